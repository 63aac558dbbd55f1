/**
 * `ktl apply -f`: creates what is missing, otherwise patches with kubectl's
 * client-side apply (a three-way strategic merge patch against the
 * last-applied annotation), printing `created`, `configured` or `unchanged`
 * per object; then, with --prune, deletes what an earlier apply made and the
 * manifests no longer hold. Errors name the file and do not stop the other
 * objects. create shares the reading and printing here.
 */
import { kubernetesPatchMeta, parseLabelSelector, type LabelSelector } from "@ktl/apimachinery";
import { lastApplied, withLastApplied } from "../apply/last-applied.js";
import { readManifests, type KubeObject } from "../apply/manifests.js";
import { prune, pruneResources } from "../apply/prune.js";
import { threeWayMergePatch } from "../apply/three-way.js";
import type { Context } from "../cli/context.js";
import { DRY_RUN_FLAG, dryRunQuery, dryRunStrategy, dryRunSuffix, type DryRun } from "../cli/dry-run.js";
import { CliError, SilentError } from "../cli/errors.js";
import type { Flags, FlagSpec } from "../cli/flags.js";
import type { Command } from "../cli/registry.js";
import { serverErrorMessage } from "../cli/report.js";
import { qualifiedResource } from "../client/discovery.js";
import { resourcePath } from "../client/paths.js";
import { ApiError, isNotFound } from "../client/rest.js";
import { objectNamespace, resourceForObject } from "../client/targets.js";
import { jsonAsIs, toJson } from "../printers/json.js";
import { nameOf } from "../printers/name.js";
import { sortKeys } from "../printers/sort-keys.js";
import { toYaml } from "../printers/yaml.js";

export const FILE_FLAGS: readonly FlagSpec[] = [
  {
    name: "filename",
    short: "f",
    type: "strings",
    help: "The files that contain the configurations (- for stdin).",
  },
  { name: "recursive", short: "R", type: "bool", help: "Process the directory used in -f recursively." },
  {
    name: "output",
    short: "o",
    type: "string",
    value: "FORMAT",
    help: "Output format: json, yaml or name (resource/name only).",
  },
  DRY_RUN_FLAG,
];

export interface ObjectOutcome {
  /** The object as the server returned it (or, in a client dry run, as it would be sent). */
  readonly object: KubeObject;
  readonly verb: string;
}

/**
 * How -o json|yaml prints several objects: apply gathers them in one List,
 * create prints each in turn (YAML documents separated by `---`).
 */
export type ObjectsShape = "list" | "each";

/** apply's -o json|yaml: one object as itself, several in kubectl's List. */
function asListOutput(format: string, objects: readonly KubeObject[]): string {
  const [only] = objects;
  if (only && objects.length === 1) return format === "json" ? toJson(only) : toYaml(only);
  if (format === "json")
    return jsonAsIs({
      kind: "List",
      apiVersion: "v1",
      metadata: {},
      items: objects.map((o) => sortKeys(o, "json")),
    });
  return toYaml({ apiVersion: "v1", items: objects, kind: "List", metadata: {} });
}

export interface ManifestRun {
  readonly shape?: ObjectsShape;
  /** Only the manifests this accepts are acted on (apply -l). */
  readonly select?: (object: KubeObject) => boolean;
  /** Runs once every object succeeded (apply --prune), with the objects done. */
  readonly after?: (done: readonly KubeObject[], dryRun: DryRun) => Promise<void>;
}

/**
 * Runs `each` over the -f objects, printing `kind/name verb` (with the dry
 * run said) or the error, -o name/json/yaml instead when asked, and failing
 * at the end if any did.
 */
export async function forEachManifest(
  ctx: Context,
  flags: Flags,
  each: (object: KubeObject, source: string, dryRun: DryRun) => Promise<ObjectOutcome>,
  run: ManifestRun = {},
): Promise<void> {
  const shape = run.shape ?? "each";
  const files = flags.strings("filename");
  if (files.length === 0) throw new CliError("must specify one of -f and -k");
  const output = flags.string("output");
  if (!["", "name", "json", "yaml"].includes(output))
    throw new CliError(
      `unable to match a printer suitable for the output format "${output}", allowed formats are: json, name, yaml`,
    );
  const dryRun = dryRunStrategy(ctx, flags);
  const manifests = (await readManifests(files, flags.bool("recursive"), ctx.io.stdin)).filter(
    ({ object }) => run.select?.(object) ?? true,
  );
  if (manifests.length === 0) throw new CliError("no objects passed to apply");
  let failed = false;
  const done: KubeObject[] = [];
  for (const { object, source } of manifests) {
    try {
      const { object: result, verb } = await each(object, source, dryRun);
      if ((output === "json" || output === "yaml") && shape === "each") {
        const separator = done.length > 0 && output === "yaml" ? "---\n" : "";
        ctx.out(separator + (output === "json" ? toJson(result) : toYaml(result)));
      }
      done.push(result);
      if (output !== "json" && output !== "yaml")
        ctx.out(
          output === "name" ? `${nameOf(result)}\n` : `${nameOf(result)} ${verb}${dryRunSuffix(dryRun)}\n`,
        );
    } catch (err) {
      if (err instanceof ApiError) ctx.err(serverErrorMessage(err, verbPrefix(err, source)) + "\n");
      else if (err instanceof CliError) ctx.err(`error: ${err.message}\n`);
      else throw err;
      failed = true;
    }
  }
  if (shape === "list" && done.length > 0 && (output === "json" || output === "yaml"))
    ctx.out(asListOutput(output, done));
  if (failed) throw new SilentError();
  await run.after?.(done, dryRun);
}

/** A server's answer, or the object sent, with its type named (answers carry it; a dry run's object may not). */
export function typedLike(object: KubeObject, manifest: KubeObject): KubeObject {
  return {
    ...object,
    apiVersion: object.apiVersion ?? manifest.apiVersion,
    kind: object.kind ?? manifest.kind,
  };
}

/** kubectl names the file in server errors: `error when creating "web.yaml": …`. */
function verbPrefix(err: ApiError & { during?: string }, source: string): string {
  return `error when ${err.during ?? "creating"} "${source}": `;
}

function during<T>(what: string, promise: Promise<T>): Promise<T> {
  return promise.catch((err: unknown) => {
    if (err instanceof ApiError) Object.assign(err, { during: what });
    throw err;
  });
}

async function applyOne(
  ctx: Context,
  object: KubeObject,
  source: string,
  dryRun: DryRun,
): Promise<ObjectOutcome> {
  const discovery = await ctx.discovery();
  const resource = resourceForObject(discovery, object, source, ctx);
  const namespace = resource.namespaced ? objectNamespace(ctx, object) : undefined;
  const name = object.metadata?.name;
  if (!name)
    throw new CliError(
      `error when retrieving current configuration of "${source}": resource name may not be empty`,
    );
  const desired: KubeObject = {
    ...object,
    metadata: { ...(object.metadata ?? {}), ...(namespace ? { namespace } : {}) },
  };
  const modified = withLastApplied(desired);
  const client = ctx.client();
  const query = dryRunQuery(dryRun);
  let live: KubeObject;
  try {
    live = await during(
      "retrieving current configuration of",
      client.request<KubeObject>("GET", resourcePath(resource, namespace, name)),
    );
  } catch (err) {
    if (!isNotFound(err)) throw err;
    if (dryRun === "client") return { object: modified, verb: "created" };
    const created = await during(
      "creating",
      client.request<KubeObject>("POST", resourcePath(resource, namespace), { body: modified, query }),
    );
    return { object: typedLike(created, object), verb: "created" };
  }
  // As kubectl: a client dry run does not work out the patch, it says "configured".
  if (dryRun === "client") return { object: typedLike(live, object), verb: "configured" };
  const original = lastApplied(live);
  if (!original)
    ctx.err(
      `Warning: resource ${qualifiedResource(resource)}/${name} is missing the kubectl.kubernetes.io/last-applied-configuration annotation which is required by ktl apply. ktl apply should only be used on resources created declaratively by either ktl create --save-config or ktl apply. The missing annotation will be patched automatically.\n`,
    );
  const patch = threeWayMergePatch(original, modified, live, kubernetesPatchMeta);
  if (Object.keys(patch).length === 0) return { object: typedLike(live, object), verb: "unchanged" };
  const patched = await during(
    "patching",
    client.request<KubeObject>("PATCH", resourcePath(resource, namespace, name), {
      body: patch,
      contentType: "application/strategic-merge-patch+json",
      query,
    }),
  );
  return { object: typedLike(patched, object), verb: "configured" };
}

/** -l picks the manifests to apply; --prune then deletes what was applied before but is gone from them. */
async function applyRun(ctx: Context, flags: Flags): Promise<ManifestRun> {
  const selector = flags.string("selector");
  const all = flags.bool("all");
  if (all && selector) throw new CliError("cannot set --all and --selector at the same time");
  const pruning = flags.bool("prune");
  if (pruning && !selector && !all)
    throw new CliError(
      "all resources selected for prune without explicitly passing --all. To prune all resources, pass the --all flag. If you did not mean to prune all resources, specify a label selector",
    );
  // The allowlist is checked before anything is applied, as kubectl does.
  const resources = pruning ? pruneResources(await ctx.discovery(), flags.strings("prune-allowlist")) : [];
  let matcher: LabelSelector | undefined;
  try {
    matcher = selector ? parseLabelSelector(selector) : undefined;
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
  return {
    shape: "list",
    select: matcher
      ? (object) => matcher.matches(object.metadata?.labels as Record<string, string>)
      : undefined,
    after: pruning
      ? (done, dryRun) =>
          prune(ctx, done, { selector, resources, dryRun, nameOnly: flags.string("output") === "name" })
      : undefined,
  };
}

export const applyCommand: Command = {
  path: ["apply"],
  summary: "Apply a configuration to a resource by file name or stdin",
  usage: "ktl apply (-f FILENAME | -f DIRECTORY | -f -) [-R] [--prune -l SELECTOR | --prune --all] [flags]",
  flags: [
    ...FILE_FLAGS,
    {
      name: "selector",
      short: "l",
      type: "string",
      help: "Selector (label query) to filter on: only matching objects are applied (and pruned).",
    },
    {
      name: "prune",
      type: "bool",
      help: "Automatically delete resource objects that do not appear in the configs and were created by apply. Needs -l or --all.",
    },
    {
      name: "all",
      type: "bool",
      help: "Select all resources in the namespace of the specified resource types (for --prune).",
    },
    {
      name: "prune-allowlist",
      type: "strings",
      help: "Overwrite the default allowlist with <group/version/kind> for --prune",
    },
  ],
  run: async (ctx, _args, flags) =>
    forEachManifest(
      ctx,
      flags,
      (object, source, dryRun) => applyOne(ctx, object, source, dryRun),
      await applyRun(ctx, flags),
    ),
};
