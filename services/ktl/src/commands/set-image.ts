/**
 * `ktl set image deploy/web httpd=busybox:1.35` (`*=image` for every
 * container): a strategic merge patch of the pod template's (or pod's)
 * containers by name; prints `deployment.apps/web image updated`.
 */
import { DRY_RUN_FLAG, dryRunQuery, dryRunStrategy, dryRunSuffix } from "../cli/dry-run.js";
import { CliError } from "../cli/errors.js";
import type { Command } from "../cli/registry.js";
import { kindPrefix } from "../client/discovery.js";
import { resourcePath } from "../client/paths.js";
import { resolveTargets } from "../client/targets.js";
import type { Container, PodSpec } from "@ktl/api";

export const setImageCommand: Command = {
  path: ["set", "image"],
  summary: "Update the image of a pod template",
  usage: "ktl set image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... [flags]",
  flags: [
    { name: "filename", short: "f", type: "strings", help: "Files identifying the resource to update." },
    { name: "selector", short: "l", type: "string", help: "Selector (label query) to filter on." },
    DRY_RUN_FLAG,
  ],
  run: async (ctx, args, flags) => {
    const pairs = args.filter((a) => a.includes("="));
    const resources = args.filter((a) => !a.includes("="));
    if (pairs.length === 0) throw new CliError("at least one image update is required");
    const images = new Map<string, string>();
    for (const p of pairs) {
      const eq = p.indexOf("=");
      images.set(p.slice(0, eq), p.slice(eq + 1));
    }
    const dryRun = dryRunStrategy(ctx, flags);
    const targets = await resolveTargets(ctx, resources, {
      filenames: flags.strings("filename"),
      verb: "set image",
    });
    for (const t of targets) {
      if (t.name === undefined) throw new CliError("resource(s) were provided, but no name was specified");
      const path = resourcePath(t.resource, t.namespace, t.name);
      const obj = await ctx
        .client()
        .request<{ spec?: PodSpec & { template?: { spec?: PodSpec } } }>("GET", path);
      const isPod = t.resource.kind === "Pod";
      const spec: PodSpec = (isPod ? obj.spec : obj.spec?.template?.spec) ?? {};
      const patchList = (list: Container[] | undefined): Container[] =>
        (list ?? []).flatMap((c) => {
          const image = images.get(c.name ?? "") ?? images.get("*");
          return image === undefined ? [] : [{ name: c.name, image }];
        });
      for (const name of images.keys()) {
        if (name === "*") continue;
        const all = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
        if (!all.some((c) => c.name === name)) throw new CliError(`unable to find container named "${name}"`);
      }
      const containers = patchList(spec.containers);
      const initContainers = patchList(spec.initContainers);
      const podSpec: PodSpec = {
        ...(containers.length > 0 ? { containers } : {}),
        ...(initContainers.length > 0 ? { initContainers } : {}),
      };
      if (dryRun !== "client")
        await ctx.client().request("PATCH", path, {
          body: isPod ? { spec: podSpec } : { spec: { template: { spec: podSpec } } },
          contentType: "application/strategic-merge-patch+json",
          query: dryRunQuery(dryRun),
        });
      ctx.out(`${kindPrefix(t.resource)}/${t.name} image updated${dryRunSuffix(dryRun)}\n`);
    }
  },
};
