/**
 * `ktl label` and `ktl annotate`: `key=value` sets, `key-` removes, an
 * existing different value needs --overwrite; objects by TYPE NAME,
 * TYPE/NAME, -l, --all or -f. Sent as a JSON merge patch of the metadata map.
 */
import type { Context } from "../cli/context.js";
import { DRY_RUN_FLAG, dryRunQuery, dryRunStrategy, dryRunSuffix } from "../cli/dry-run.js";
import { CliError } from "../cli/errors.js";
import type { Flags } from "../cli/flags.js";
import type { Command } from "../cli/registry.js";
import { kindPrefix } from "../client/discovery.js";
import { resourcePath } from "../client/paths.js";
import { resolveTargets, type Target } from "../client/targets.js";
import type { KObject } from "../describe/common.js";

interface Changes {
  readonly set: Map<string, string>;
  readonly remove: string[];
}

/** Splits `a=b c-` style arguments from the resource arguments. */
export function parseChanges(
  args: readonly string[],
  what: string,
): { resources: string[]; changes: Changes } {
  const resources: string[] = [];
  const set = new Map<string, string>();
  const remove: string[] = [];
  for (const arg of args) {
    const eq = arg.indexOf("=");
    if (eq > 0) set.set(arg.slice(0, eq), arg.slice(eq + 1));
    else if (arg.endsWith("-") && !arg.includes("/") && resources.length > 0) remove.push(arg.slice(0, -1));
    else resources.push(arg);
  }
  if (set.size === 0 && remove.length === 0) throw new CliError(`at least one ${what} update is required`);
  for (const key of remove)
    if (set.has(key)) throw new CliError(`can not both modify and remove ${what}s in the same command`);
  return { resources, changes: { set, remove } };
}

async function targetsOf(ctx: Context, resources: string[], flags: Flags): Promise<Target[]> {
  const targets = await resolveTargets(ctx, resources, {
    filenames: flags.strings("filename"),
    allNamespaces: flags.bool("all-namespaces"),
    verb: "label",
  });
  const out: Target[] = [];
  for (const t of targets) {
    if (t.name !== undefined) {
      out.push(t);
      continue;
    }
    if (!flags.string("selector") && !flags.bool("all"))
      throw new CliError("resource(s) were provided, but no name was specified");
    const list = await ctx
      .client()
      .request<{ items?: KObject[] }>("GET", resourcePath(t.resource, t.namespace), {
        query: { labelSelector: flags.string("selector") },
      });
    for (const item of list.items ?? [])
      out.push({
        resource: t.resource,
        namespace: item.metadata?.namespace ?? t.namespace,
        name: item.metadata?.name,
      });
  }
  return out;
}

function metadataCommand(field: "labels" | "annotations"): Command {
  const what = field === "labels" ? "label" : "annotation";
  const verb = field === "labels" ? "label" : "annotate";
  return {
    path: [verb],
    summary: field === "labels" ? "Update the labels on a resource" : "Update the annotations on a resource",
    usage: `ktl ${verb} [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [flags]`,
    flags: [
      { name: "overwrite", type: "bool", help: `If true, allow ${what}s to be overwritten.` },
      { name: "selector", short: "l", type: "string", help: "Selector (label query) to filter on." },
      {
        name: "all",
        type: "bool",
        help: "Select all resources, in the namespace of the specified resource types.",
      },
      {
        name: "all-namespaces",
        short: "A",
        type: "bool",
        help: "If true, check the specified action in all namespaces.",
      },
      { name: "filename", short: "f", type: "strings", help: "Files identifying the resource to update." },
      { name: "resource-version", type: "string", help: "Only update if the resource version matches." },
      DRY_RUN_FLAG,
    ],
    run: async (ctx, args, flags) => {
      const { resources, changes } = parseChanges(args, what);
      const overwrite = flags.bool("overwrite");
      const dryRun = dryRunStrategy(ctx, flags);
      const suffix = dryRunSuffix(dryRun);
      for (const t of await targetsOf(ctx, resources, flags)) {
        const path = resourcePath(t.resource, t.namespace, t.name);
        const obj = await ctx.client().request<KObject>("GET", path);
        const current = obj.metadata?.[field] ?? {};
        const patch: Record<string, string | null> = {};
        for (const [k, v] of changes.set) {
          if (k in current && current[k] !== v && !overwrite) {
            if (field === "labels")
              throw new CliError(`'${k}' already has a value (${current[k]}), and --overwrite is false`);
            throw new CliError(
              `--overwrite is false but found the following declared annotation(s): '${k}' already has a value (${current[k]})`,
            );
          }
          if (current[k] !== v) patch[k] = v;
        }
        for (const k of changes.remove) {
          if (k in current) patch[k] = null;
          else if (field === "labels") ctx.err(`label "${k}" not found.\n`);
        }
        const prefix = `${kindPrefix(t.resource)}/${t.name}`;
        const rv = flags.string("resource-version");
        const body = { metadata: { [field]: patch, ...(rv ? { resourceVersion: rv } : {}) } };
        if (Object.keys(patch).length > 0 && dryRun !== "client")
          await ctx.client().request("PATCH", path, {
            body,
            contentType: "application/merge-patch+json",
            query: dryRunQuery(dryRun),
          });
        if (field === "annotations") {
          ctx.out(`${prefix} annotated${suffix}\n`);
          continue;
        }
        const onlyRemovals = Object.values(patch).every((v) => v === null);
        const message =
          Object.keys(patch).length === 0
            ? "not labeled"
            : onlyRemovals && !overwrite
              ? "unlabeled"
              : "labeled";
        ctx.out(`${prefix} ${message}${suffix}\n`);
      }
    },
  };
}

export const labelCommand = metadataCommand("labels");
export const annotateCommand = metadataCommand("annotations");
