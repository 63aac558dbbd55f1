import { findResource, type ConfigMap, type ResourceInfo } from "@ktl/api";
import { isNotFound } from "@ktl/apimachinery";
import type { ApiClient } from "@ktl/client";

const CONFIGMAPS = findResource("", "configmaps") as ResourceInfo;

/**
 * ConfigMaps read on demand for env and volumes, each answer (a 404
 * included) kept for `ttlMs` so that frequent syncs of the same pods do not
 * turn into a GET apiece (the kubelet's TTL-based configmap manager).
 * Concurrent reads of one ConfigMap share a request.
 */
export function configMapGetter(
  client: Pick<ApiClient, "get">,
  ttlMs: number,
): (namespace: string, name: string) => Promise<ConfigMap> {
  const cache = new Map<string, { at: number; result: Promise<ConfigMap> }>();
  return (namespace, name) => {
    const key = `${namespace}/${name}`;
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && now - hit.at < ttlMs) return hit.result;
    const result = client.get<ConfigMap>(CONFIGMAPS, namespace, name);
    cache.set(key, { at: now, result });
    // Keep 404s (they are answers); forget other failures at once.
    result.catch((err: unknown) => {
      if (!isNotFound(err) && cache.get(key)?.result === result) {
        cache.delete(key);
      }
    });
    if (cache.size > 1000) {
      for (const [k, v] of cache) if (now - v.at >= ttlMs) cache.delete(k);
    }
    return result;
  };
}
