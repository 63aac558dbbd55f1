/**
 * What a command's arguments name, as kubectl's resource builder reads them:
 * `TYPE [NAME ...]`, `TYPE1,TYPE2 [NAME ...]`, `TYPE/NAME ...`, the `all`
 * category, or the objects of -f files. Each target is one resource in one
 * namespace (undefined with -A), optionally one name.
 */
import { readManifests, type KubeObject } from "../apply/manifests.js";
import type { Context } from "../cli/context.js";
import { CliError } from "../cli/errors.js";
import type { ApiResource, Discovery } from "./discovery.js";

export interface Target {
  readonly resource: ApiResource;
  /** undefined: every namespace (or a cluster-scoped resource). */
  readonly namespace: string | undefined;
  readonly name?: string;
  /** The manifest object when the target came from -f. */
  readonly object?: KubeObject;
  readonly source?: string;
}

export interface TargetOptions {
  readonly filenames?: readonly string[];
  readonly recursive?: boolean;
  readonly allNamespaces?: boolean;
  /** The verb for messages: "get", "delete". */
  readonly verb: string;
}

/** Expands a comma list of types, with categories such as `all`. */
export function resolveTypes(discovery: Discovery, spec: string): ApiResource[] {
  const out: ApiResource[] = [];
  for (const word of spec.split(",").filter(Boolean)) {
    const category = discovery.category(word);
    if (category.length > 0 && !discovery.tryResolve(word)) out.push(...category);
    else out.push(discovery.resolve(word));
  }
  return out;
}

export async function resolveTargets(
  ctx: Context,
  args: readonly string[],
  options: TargetOptions,
): Promise<Target[]> {
  const discovery = await ctx.discovery();
  const namespaceFor = (r: ApiResource): string | undefined =>
    r.namespaced && !options.allNamespaces ? ctx.namespace() : undefined;
  if (options.filenames && options.filenames.length > 0) {
    if (args.length > 0)
      throw new CliError(
        `when paths, URLs, or stdin is provided as input, you may not specify resources as arguments as well`,
      );
    const manifests = await readManifests(options.filenames, options.recursive ?? false, ctx.io.stdin);
    return manifests.map(({ object, source }) => {
      const resource = resourceForObject(discovery, object, source, ctx);
      return {
        resource,
        namespace: resource.namespaced ? objectNamespace(ctx, object) : undefined,
        name: object.metadata?.name,
        object,
        source,
      };
    });
  }
  if (args.length === 0)
    throw new CliError(
      `You must specify the type of resource to ${options.verb}. Use "ktl api-resources" for a complete list of supported resources.`,
    );
  if (args.some((a) => a.includes("/"))) {
    return args.map((arg) => {
      const slash = arg.indexOf("/");
      if (slash < 0)
        throw new CliError(
          `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'ktl ${options.verb} resource/<resource_name>' instead of 'ktl ${options.verb} resource resource/<resource_name>'`,
        );
      const resource = discovery.resolve(arg.slice(0, slash));
      const name = arg.slice(slash + 1);
      if (!name) throw new CliError(`arguments in resource/name form must have a single resource and name`);
      return { resource, namespace: namespaceFor(resource), name };
    });
  }
  const [typeSpec = "", ...names] = args;
  const types = resolveTypes(discovery, typeSpec);
  if (names.length === 0) return types.map((resource) => ({ resource, namespace: namespaceFor(resource) }));
  return types.flatMap((resource) =>
    names.map((name) => ({ resource, namespace: namespaceFor(resource), name })),
  );
}

export function resourceForObject(
  discovery: Discovery,
  object: KubeObject,
  source: string,
  ctx: Context,
): ApiResource {
  const resource = discovery.forKind(object.apiVersion ?? "", object.kind ?? "");
  if (!resource) {
    const ns = object.metadata?.namespace ?? ctx.namespace();
    throw new CliError(
      `resource mapping not found for name: "${object.metadata?.name ?? ""}" namespace: "${ns}" from "${source}": no matches for kind "${object.kind}" in version "${object.apiVersion}"\nensure CRDs are installed first`,
    );
  }
  return resource;
}

/** The object's namespace, else the context's; -n must agree with the object's. */
export function objectNamespace(ctx: Context, object: KubeObject): string {
  const own = object.metadata?.namespace;
  if (own && ctx.namespaceExplicit && own !== ctx.namespace())
    throw new CliError(
      `the namespace from the provided object "${own}" does not match the namespace "${ctx.namespace()}". You must pass '--namespace=${own}' to perform this operation.`,
    );
  return own || ctx.namespace();
}
