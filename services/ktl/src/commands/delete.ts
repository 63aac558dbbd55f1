/**
 * `ktl delete`: by TYPE NAME, TYPE/NAME, -f, -l or --all; cascading
 * background (default), foreground or orphan; prints `pod "x" deleted` and
 * then, unless --wait=false, waits until every deleted object is gone.
 */
import type { Context } from "../cli/context.js";
import { DRY_RUN_FLAG, dryRunQuery, dryRunStrategy, dryRunSuffix } from "../cli/dry-run.js";
import { parseDuration } from "../cli/duration.js";
import { CliError, SilentError } from "../cli/errors.js";
import type { Flags } from "../cli/flags.js";
import type { Command } from "../cli/registry.js";
import { serverErrorMessage } from "../cli/report.js";
import { pollUntil } from "../cli/wait.js";
import { kindPrefix, qualifiedResource, type ApiResource } from "../client/discovery.js";
import { resourcePath } from "../client/paths.js";
import { ApiError, isNotFound } from "../client/rest.js";
import { resolveTargets, type Target } from "../client/targets.js";

interface Deleted {
  readonly resource: ApiResource;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly uid: string | undefined;
}

function propagation(cascade: string): string {
  switch (cascade) {
    case "background":
    case "true":
      return "Background";
    case "foreground":
      return "Foreground";
    case "orphan":
    case "false":
      return "Orphan";
    default:
      throw new CliError(
        `invalid cascade value (${cascade}). Must be "background", "foreground", or "orphan".`,
      );
  }
}

/** Lists the names a -l / --all target stands for. */
async function expand(ctx: Context, target: Target, flags: Flags): Promise<Target[]> {
  if (target.name !== undefined) return [target];
  const list = await ctx
    .client()
    .request<{ items?: { metadata?: { name?: string; namespace?: string } }[] }>(
      "GET",
      resourcePath(target.resource, target.namespace),
      { query: { labelSelector: flags.string("selector"), fieldSelector: flags.string("field-selector") } },
    );
  return (list.items ?? []).map((item) => ({
    resource: target.resource,
    namespace: item.metadata?.namespace ?? target.namespace,
    name: item.metadata?.name ?? "",
  }));
}

async function run(ctx: Context, args: string[], flags: Flags): Promise<void> {
  const policy = propagation(flags.string("cascade") || "background");
  const dryRun = dryRunStrategy(ctx, flags);
  const selecting =
    flags.string("selector") !== "" || flags.string("field-selector") !== "" || flags.bool("all");
  const targets = await resolveTargets(ctx, args, {
    filenames: flags.strings("filename"),
    recursive: flags.bool("recursive"),
    allNamespaces: flags.bool("all-namespaces"),
    verb: "delete",
  });
  if (targets.some((t) => t.name === undefined) && !selecting)
    throw new CliError(`resource(s) were provided, but no name was specified`);
  let grace = flags.int("grace-period");
  if (flags.bool("now")) grace = 1;
  const force = flags.bool("force");
  if (force && grace < 0) grace = 0;
  if (force && grace === 0)
    ctx.err(
      "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n",
    );
  const timeoutMs = parseDuration(flags.string("timeout") || "0s", "timeout");
  const ignoreNotFound = flags.bool("ignore-not-found") || selecting;
  const deleted: Deleted[] = [];
  let failed = false;
  let found = 0;
  for (const target of targets) {
    for (const one of await expand(ctx, target, flags)) {
      found++;
      const name = one.name ?? "";
      try {
        const body = {
          kind: "DeleteOptions",
          apiVersion: "v1",
          propagationPolicy: policy,
          ...(grace >= 0 ? { gracePeriodSeconds: grace } : {}),
        };
        // A client dry run deletes nothing; a server one is not waited for (nothing goes away).
        if (dryRun !== "client") {
          const result = await ctx
            .client()
            .request<{ metadata?: { uid?: string } }>(
              "DELETE",
              resourcePath(one.resource, one.namespace, name),
              { body, query: dryRunQuery(dryRun) },
            );
          if (dryRun === "none")
            deleted.push({
              resource: one.resource,
              namespace: one.namespace,
              name,
              uid: result?.metadata?.uid,
            });
        }
        const verb = force && grace === 0 ? "force deleted" : "deleted";
        ctx.out(
          flags.string("output") === "name"
            ? `${kindPrefix(one.resource)}/${name}\n`
            : `${kindPrefix(one.resource)} "${name}" ${verb}${dryRunSuffix(dryRun)}\n`,
        );
      } catch (err) {
        if (isNotFound(err) && ignoreNotFound) continue;
        if (!(err instanceof ApiError)) throw err;
        ctx.err(serverErrorMessage(err) + "\n");
        failed = true;
      }
    }
  }
  if (found === 0 && selecting) ctx.err("No resources found\n");
  if (flags.bool("wait") && deleted.length > 0) {
    for (const d of deleted) {
      const gone = await pollUntil(async () => {
        try {
          const live = await ctx
            .client()
            .request<{ metadata?: { uid?: string } }>("GET", resourcePath(d.resource, d.namespace, d.name));
          return d.uid !== undefined && live.metadata?.uid !== d.uid;
        } catch (err) {
          if (isNotFound(err)) return true;
          throw err;
        }
      }, timeoutMs);
      if (!gone)
        throw new CliError(
          `timed out waiting for the condition on ${qualifiedResource(d.resource)}/${d.name}`,
        );
    }
  }
  if (failed) throw new SilentError();
}

export const deleteCommand: Command = {
  path: ["delete"],
  summary: "Delete resources by file names, stdin, resources and names, or by resources and label selector",
  usage: "ktl delete ([-f FILENAME] | TYPE [(NAME | -l label | --all)]) [flags]",
  flags: [
    { name: "filename", short: "f", type: "strings", help: "Files containing the resources to delete." },
    { name: "recursive", short: "R", type: "bool", help: "Process the directory used in -f recursively." },
    { name: "selector", short: "l", type: "string", help: "Selector (label query) to filter on." },
    { name: "field-selector", type: "string", help: "Selector (field query) to filter on." },
    {
      name: "all",
      type: "bool",
      help: "Delete all resources, in the namespace of the specified resource types.",
    },
    {
      name: "all-namespaces",
      short: "A",
      type: "bool",
      help: "If present, list the requested object(s) across all namespaces.",
    },
    {
      name: "cascade",
      type: "string",
      default: "background",
      values: ["background", "orphan", "foreground"],
      help: 'Must be "background", "orphan", or "foreground".',
    },
    {
      name: "grace-period",
      type: "int",
      default: -1,
      help: "Period of time in seconds given to the resource to terminate gracefully.",
    },
    {
      name: "now",
      type: "bool",
      help: "If true, resources are signaled for immediate shutdown (same as --grace-period=1).",
    },
    {
      name: "force",
      type: "bool",
      help: "If true, immediately remove resources from API and bypass graceful deletion.",
    },
    {
      name: "wait",
      type: "bool",
      default: true,
      help: "If true, wait for resources to be gone before returning.",
    },
    {
      name: "timeout",
      type: "string",
      default: "0s",
      help: "The length of time to wait before giving up on a delete, zero means no limit.",
    },
    { name: "ignore-not-found", type: "bool", help: 'Treat "resource not found" as a successful delete.' },
    {
      name: "output",
      short: "o",
      type: "string",
      help: 'Output mode. Use "-o name" for shorter output (resource/name).',
    },
    DRY_RUN_FLAG,
  ],
  run,
};
