/**
 * `ktl scale --replicas=N TYPE NAME`: through the scale subresource, with
 * kubectl's --current-replicas precondition; prints `deployment.apps/web scaled`.
 */
import { DRY_RUN_FLAG, dryRunQuery, dryRunStrategy, dryRunSuffix } from "../cli/dry-run.js";
import { CliError } from "../cli/errors.js";
import type { Command } from "../cli/registry.js";
import { kindPrefix } from "../client/discovery.js";
import { resourcePath } from "../client/paths.js";
import { ApiError, isNotFound } from "../client/rest.js";
import { resolveTargets } from "../client/targets.js";

export const scaleCommand: Command = {
  path: ["scale"],
  summary: "Set a new size for a deployment or replica set",
  usage: "ktl scale [--current-replicas=count] --replicas=COUNT (-f FILENAME | TYPE NAME) [flags]",
  flags: [
    { name: "replicas", type: "int", default: -1, help: "The new desired number of replicas. Required." },
    { name: "current-replicas", type: "int", default: -1, help: "Precondition for current size." },
    {
      name: "filename",
      short: "f",
      type: "strings",
      help: "Files identifying the resource to set a new size.",
    },
    { name: "selector", short: "l", type: "string", help: "Selector (label query) to filter on." },
    DRY_RUN_FLAG,
  ],
  run: async (ctx, args, flags) => {
    const replicas = flags.int("replicas");
    if (replicas < 0)
      throw new CliError(
        "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0",
      );
    const dryRun = dryRunStrategy(ctx, flags);
    const targets = await resolveTargets(ctx, args, { filenames: flags.strings("filename"), verb: "scale" });
    for (const t of targets) {
      if (t.name === undefined) throw new CliError("resource(s) were provided, but no name was specified");
      if (!t.resource.subresources.includes("scale"))
        throw new CliError(`no scaler has been implemented for {"${t.resource.group}" "${t.resource.kind}"}`);
      const path = resourcePath(t.resource, t.namespace, t.name, "scale");
      try {
        await ctx.client().request("GET", resourcePath(t.resource, t.namespace, t.name));
      } catch (err) {
        // kubectl's resource builder words a missing object this way.
        if (isNotFound(err) && err instanceof ApiError)
          throw new CliError(`no objects passed to scale ${err.message}`);
        throw err;
      }
      const current = flags.int("current-replicas");
      if (current >= 0) {
        const scale = await ctx.client().request<{ spec?: { replicas?: number } }>("GET", path);
        const actual = scale.spec?.replicas ?? 0;
        if (actual !== current) throw new CliError(`Expected replicas to be ${current}, was ${actual}`);
      }
      if (dryRun !== "client")
        await ctx.client().request("PATCH", path, {
          body: { spec: { replicas } },
          contentType: "application/merge-patch+json",
          query: dryRunQuery(dryRun),
        });
      ctx.out(`${kindPrefix(t.resource)}/${t.name} scaled${dryRunSuffix(dryRun)}\n`);
    }
  },
};
