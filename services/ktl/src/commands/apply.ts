/**
 * `ktl apply -f`: creates what is missing, otherwise patches with kubectl's
 * client-side apply (a three-way strategic merge patch against the
 * last-applied annotation), printing `created`, `configured` or `unchanged`
 * per object. Errors name the file and do not stop the other objects.
 */
import { kubernetesPatchMeta } from "@ktl/apimachinery";
import { lastApplied, withLastApplied } from "../apply/last-applied.js";
import { readManifests, type KubeObject } from "../apply/manifests.js";
import { threeWayMergePatch } from "../apply/three-way.js";
import type { Context } from "../cli/context.js";
import { CliError, SilentError } from "../cli/errors.js";
import type { Flags, FlagSpec } from "../cli/flags.js";
import type { Command } from "../cli/registry.js";
import { serverErrorMessage } from "../cli/report.js";
import { qualifiedResource } from "../client/discovery.js";
import { resourcePath } from "../client/paths.js";
import { ApiError, isNotFound } from "../client/rest.js";
import { objectNamespace, resourceForObject } from "../client/targets.js";
import { nameOf } from "../printers/name.js";

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
    value: "name",
    help: "Output format: name prints resource/name only.",
  },
];

export interface ObjectOutcome {
  readonly object: KubeObject;
  readonly verb: string;
}

/** Runs `each` over the -f objects, printing `kind/name verb` or the error, and failing at the end if any did. */
export async function forEachManifest(
  ctx: Context,
  flags: Flags,
  each: (object: KubeObject, source: string) => Promise<ObjectOutcome>,
): Promise<void> {
  const files = flags.strings("filename");
  if (files.length === 0) throw new CliError("must specify one of -f and -k");
  const output = flags.string("output");
  if (output !== "" && output !== "name")
    throw new CliError(
      `unable to match a printer suitable for the output format "${output}", allowed formats are: name`,
    );
  const manifests = await readManifests(files, flags.bool("recursive"), ctx.io.stdin);
  if (manifests.length === 0) throw new CliError("no objects passed to apply");
  let failed = false;
  for (const { object, source } of manifests) {
    try {
      const { object: done, verb } = await each(object, source);
      ctx.out(output === "name" ? `${nameOf(done)}\n` : `${nameOf(done)} ${verb}\n`);
    } catch (err) {
      if (err instanceof ApiError) ctx.err(serverErrorMessage(err, verbPrefix(err, source)) + "\n");
      else if (err instanceof CliError) ctx.err(`error: ${err.message}\n`);
      else throw err;
      failed = true;
    }
  }
  if (failed) throw new SilentError();
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

async function applyOne(ctx: Context, object: KubeObject, source: string): Promise<ObjectOutcome> {
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
  let live: KubeObject;
  try {
    live = await during(
      "retrieving current configuration of",
      client.request<KubeObject>("GET", resourcePath(resource, namespace, name)),
    );
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const created = await during(
      "creating",
      client.request<KubeObject>("POST", resourcePath(resource, namespace), { body: modified }),
    );
    return {
      object: { ...desired, ...created, apiVersion: object.apiVersion, kind: object.kind },
      verb: "created",
    };
  }
  const original = lastApplied(live);
  if (!original)
    ctx.err(
      `Warning: resource ${qualifiedResource(resource)}/${name} is missing the kubectl.kubernetes.io/last-applied-configuration annotation which is required by ktl apply. ktl apply should only be used on resources created declaratively by either ktl create --save-config or ktl apply. The missing annotation will be patched automatically.\n`,
    );
  const patch = threeWayMergePatch(original, modified, live, kubernetesPatchMeta);
  if (Object.keys(patch).length === 0) return { object: desired, verb: "unchanged" };
  await during(
    "patching",
    client.request("PATCH", resourcePath(resource, namespace, name), {
      body: patch,
      contentType: "application/strategic-merge-patch+json",
    }),
  );
  return { object: desired, verb: "configured" };
}

export const applyCommand: Command = {
  path: ["apply"],
  summary: "Apply a configuration to a resource by file name or stdin",
  usage: "ktl apply (-f FILENAME | -f DIRECTORY | -f -) [-R] [flags]",
  flags: FILE_FLAGS,
  run: (ctx, _args, flags) => forEachManifest(ctx, flags, (object, source) => applyOne(ctx, object, source)),
};
