import { findResource, type ResourceInfo } from "@ktl/api";

/** A request path resolved to what it addresses. */
export interface ResourcePath {
  readonly info: ResourceInfo;
  /** For namespaced kinds: the namespace in the path, or undefined for "all namespaces". */
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
  /** The legacy /watch/ path prefix was used. */
  readonly watchPath: boolean;
}

/**
 * Parses /api/v1/... and /apis/<group>/<version>/... resource paths, as
 * Kubernetes lays them out:
 *   <resource>                         all objects (cluster-scoped, or every namespace)
 *   <resource>/<name>[/<sub>]          a cluster-scoped object (or a namespace itself)
 *   namespaces/<ns>/<resource>[/<name>[/<sub>]]
 * Returns undefined for paths that are not resources (discovery handles those).
 */
export function parseResourcePath(path: string): ResourcePath | undefined {
  const parts = path
    .split("/")
    .filter((p) => p !== "")
    .map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (parts[0] === "api" && parts[1] === "v1") {
    group = "";
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 3) {
    group = parts[1] as string;
    if (parts[2] !== "v1") return undefined;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let watchPath = false;
  if (rest[0] === "watch") {
    watchPath = true;
    rest = rest.slice(1);
  }
  if (rest.length === 0) return undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const info = findResource(group, rest[2] as string);
    if (info?.namespaced) {
      if (rest.length > 5) return undefined;
      return { info, namespace: rest[1], name: rest[3], subresource: rest[4], watchPath };
    }
  }
  const info = findResource(group, rest[0] as string);
  if (!info) return undefined;
  if (rest.length > 3) return undefined;
  return { info, namespace: undefined, name: rest[1], subresource: rest[2], watchPath };
}
