/**
 * Aggregated discovery (apidiscovery.k8s.io v2, and v2beta1 for kubectl
 * 1.26-1.29): every group, version, resource and subresource in one document
 * per root, so kubectl needs two requests (`/api`, `/apis`) instead of one per
 * group/version. client-go drops resources and subresources without a
 * responseKind, so every entry carries one.
 */
import { namedGroups, resourcesIn } from "./groups.js";
import { subresourcesOf } from "./subresources.js";
import type {
  AggregatedDiscoveryVersion,
  APIGroupDiscovery,
  APIGroupDiscoveryList,
  APIResourceDiscovery,
  APIVersionDiscovery,
} from "./types.js";

function versionDiscovery(group: string, version: string): APIVersionDiscovery {
  const resources = resourcesIn(group, version).map((info): APIResourceDiscovery => {
    const subresources = subresourcesOf(info).map((sub) => ({
      subresource: sub.name,
      responseKind: sub.responseKind,
      verbs: sub.verbs,
    }));
    return {
      resource: info.resource,
      responseKind: { group: info.group, version: info.version, kind: info.kind },
      scope: info.namespaced ? "Namespaced" : "Cluster",
      singularResource: info.singular,
      verbs: info.verbs,
      ...(info.shortNames.length > 0 ? { shortNames: info.shortNames } : {}),
      ...(info.categories.length > 0 ? { categories: info.categories } : {}),
      ...(subresources.length > 0 ? { subresources } : {}),
    };
  });
  return { version, resources, freshness: "Current" };
}

/**
 * The APIGroupDiscoveryList for `/api` ("core": one unnamed group) or `/apis`
 * (every named group). Versions are listed preferred first.
 */
export function aggregatedDiscovery(
  root: "core" | "apis",
  version: AggregatedDiscoveryVersion,
): APIGroupDiscoveryList {
  const items: APIGroupDiscovery[] =
    root === "core"
      ? [{ metadata: {}, versions: [versionDiscovery("", "v1")] }]
      : namedGroups().map((g) => ({
          metadata: { name: g.name },
          versions: g.versions.map((v) => versionDiscovery(g.name, v)),
        }));
  return { kind: "APIGroupDiscoveryList", apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
