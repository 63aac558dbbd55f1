/**
 * The unaggregated discovery documents: `/api`, `/apis`, `/apis/<group>` and
 * the per-group-version resource lists kubectl falls back to when it does not
 * get aggregated discovery (and reads for `kubectl api-resources`).
 */
import { apiVersionOf } from "@ktl/api";
import { namedGroups, resourcesIn, storageVersionHash } from "./groups.js";
import { subresourcesOf } from "./subresources.js";
import type {
  APIGroup,
  APIGroupBody,
  APIGroupList,
  APIResource,
  APIResourceList,
  APIVersions,
  GroupVersionForDiscovery,
} from "./types.js";

/** `/api`: the core group's versions and the address clients should use. */
export function apiVersions(serverAddress: string): APIVersions {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function groupBody(name: string, versions: readonly string[]): APIGroupBody {
  const entries: GroupVersionForDiscovery[] = versions.map((version) => ({
    groupVersion: `${name}/${version}`,
    version,
  }));
  const [preferred = { groupVersion: `${name}/v1`, version: "v1" }] = entries;
  return { name, versions: entries, preferredVersion: preferred };
}

/** `/apis`: every named group with its versions; the first version is preferred. */
export function apiGroupList(): APIGroupList {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: namedGroups().map((g) => groupBody(g.name, g.versions)),
  };
}

/** `/apis/<name>`, or undefined for a group this server does not serve (404). */
export function apiGroup(name: string): APIGroup | undefined {
  const group = namedGroups().find((g) => g.name === name);
  if (group === undefined) return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...groupBody(group.name, group.versions) };
}

/**
 * `/api/v1` or `/apis/<group>/<version>`: each resource, then its
 * subresources as "<resource>/<sub>" entries, sorted by name (Kubernetes
 * lists paths in order). Undefined for an unserved group/version (404).
 */
export function apiResourceList(group: string, version: string): APIResourceList | undefined {
  const infos = resourcesIn(group, version);
  if (infos.length === 0) return undefined;
  const resources: APIResource[] = [];
  for (const info of infos) {
    resources.push({
      name: info.resource,
      singularName: info.singular,
      namespaced: info.namespaced,
      kind: info.kind,
      verbs: info.verbs,
      ...(info.shortNames.length > 0 ? { shortNames: info.shortNames } : {}),
      ...(info.categories.length > 0 ? { categories: info.categories } : {}),
      storageVersionHash: storageVersionHash(info.group, info.version, info.kind),
    });
    for (const sub of subresourcesOf(info)) {
      const { responseKind } = sub;
      const foreign = responseKind.group !== group || responseKind.version !== version;
      resources.push({
        name: `${info.resource}/${sub.name}`,
        singularName: "",
        namespaced: info.namespaced,
        ...(foreign ? { group: responseKind.group, version: responseKind.version } : {}),
        kind: responseKind.kind,
        verbs: sub.verbs,
      });
    }
  }
  resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: apiVersionOf({ group, version }),
    resources,
  };
}
