import type { ApiResource } from "./discovery.js";

/** The REST path of a resource collection, object or subresource. */
export function resourcePath(
  r: Pick<ApiResource, "group" | "version" | "resource" | "namespaced">,
  namespace: string | undefined,
  name?: string,
  subresource?: string,
): string {
  let path = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${r.resource}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource) path += `/${subresource}`;
  return path;
}
