/**
 * `ktl create -f`: creates every object (AlreadyExists is an error, as in
 * kubectl), and `ktl create namespace NAME`; both honour --dry-run.
 */
import { resourcePath } from "../client/paths.js";
import { objectNamespace, resourceForObject } from "../client/targets.js";
import type { KubeObject } from "../apply/manifests.js";
import { withLastApplied } from "../apply/last-applied.js";
import { DRY_RUN_FLAG, dryRunQuery, dryRunStrategy, dryRunSuffix } from "../cli/dry-run.js";
import { CliError } from "../cli/errors.js";
import type { Command } from "../cli/registry.js";
import { ApiError } from "../client/rest.js";
import { FILE_FLAGS, forEachManifest, typedLike } from "./apply.js";

export const createCommand: Command = {
  path: ["create"],
  summary: "Create a resource from a file or from stdin",
  usage: "ktl create -f FILENAME [flags]",
  flags: [
    ...FILE_FLAGS,
    { name: "save-config", type: "bool", help: "Record the configuration for a later ktl apply." },
  ],
  run: (ctx, _args, flags) =>
    forEachManifest(ctx, flags, async (object, source, dryRun) => {
      const resource = resourceForObject(await ctx.discovery(), object, source, ctx);
      const namespace = resource.namespaced ? objectNamespace(ctx, object) : undefined;
      const placed = namespace ? { ...object, metadata: { ...object.metadata, namespace } } : object;
      const body = flags.bool("save-config") ? withLastApplied(placed) : placed;
      // A client dry run shows what would be sent.
      if (dryRun === "client") return { object: body, verb: "created" };
      try {
        const created = await ctx.client().request<KubeObject>("POST", resourcePath(resource, namespace), {
          body,
          query: dryRunQuery(dryRun),
        });
        return { object: typedLike(created, object), verb: "created" };
      } catch (err) {
        if (err instanceof ApiError) Object.assign(err, { during: "creating" });
        throw err;
      }
    }),
};

export const createNamespaceCommand: Command = {
  path: ["create", "namespace"],
  aliases: ["ns"],
  summary: "Create a namespace with the specified name",
  usage: "ktl create namespace NAME [--dry-run=server|client|none]",
  flags: [DRY_RUN_FLAG],
  run: async (ctx, args, flags) => {
    const [name, ...extra] = args;
    if (!name || extra.length > 0) throw new CliError("exactly one NAME is required, got " + args.length);
    const dryRun = dryRunStrategy(ctx, flags);
    if (dryRun !== "client")
      await ctx.client().request("POST", "/api/v1/namespaces", {
        body: { apiVersion: "v1", kind: "Namespace", metadata: { name } },
        query: dryRunQuery(dryRun),
      });
    ctx.out(`namespace/${name} created${dryRunSuffix(dryRun)}\n`);
  },
};
