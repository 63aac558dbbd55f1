import type { ResourceInfo } from "@ktl/api";
import type { ApiObject } from "@ktl/client";
import type { Indexer } from "@ktl/informers";
import { idOf, type ObjectId, type ReadonlyObject } from "./identity.js";

export interface GraphNode {
  readonly id: ObjectId;
  readonly obj: ReadonlyObject;
}

/**
 * The collector's dependency graph, read straight from one informer cache per
 * kind: an object's edges to its owners are its `ownerReferences`, and the
 * reverse edges (owner uid → dependents) are every cache's `byOwnerUid`
 * index. Kubernetes' GraphBuilder keeps a separate `uidToNode` map fed by a
 * single event queue; here the caches already are that map, updated before any
 * handler runs, so the graph can never disagree with them.
 *
 * An owner that no cache holds is what Kubernetes calls a virtual node: it
 * may not exist yet in the cache, or never have existed; the collector asks
 * the apiserver (see owners.ts) before acting on its absence.
 *
 * Reads are synchronous and return cached objects: never mutate them.
 */
export class DependencyGraph {
  private readonly caches: ReadonlyMap<ResourceInfo, Indexer<ApiObject>>;

  constructor(caches: Iterable<readonly [ResourceInfo, Indexer<ApiObject>]>) {
    this.caches = new Map(caches);
  }

  /** The kinds the graph covers. */
  get resources(): ResourceInfo[] {
    return [...this.caches.keys()];
  }

  /** The cached object with this identity (same uid), if the cache holds it. */
  get(id: ObjectId): ReadonlyObject | undefined {
    const obj = this.caches.get(id.info)?.get(id.namespace ? `${id.namespace}/${id.name}` : id.name);
    return obj?.metadata?.uid === id.uid ? obj : undefined;
  }

  /** Every cached object with an ownerReference to `uid`, of any kind. */
  dependents(uid: string): GraphNode[] {
    const out: GraphNode[] = [];
    for (const [info, cache] of this.caches) {
      for (const obj of cache.listByIndex("byOwnerUid", uid)) {
        const id = idOf(info, obj);
        if (id) out.push({ id, obj });
      }
    }
    return out;
  }

  /** Whether any cached object names `uid` as an owner. */
  hasDependents(uid: string): boolean {
    for (const cache of this.caches.values()) {
      if (cache.indexKeys("byOwnerUid", uid).length > 0) return true;
    }
    return false;
  }
}
