import { RESOURCES, type ResourceInfo } from "@ktl/api";
import { forbidden, notFound } from "@ktl/apimachinery";
import type { Cacher } from "../storage/cacher.js";
import type { KubeObject } from "../storage/object.js";
import type { Store } from "../storage/store.js";

const NAMESPACES = RESOURCES.find((r) => r.kind === "Namespace") as ResourceInfo;

/** Namespaces that exist from the start, as in Kubernetes. */
export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"] as const;

/**
 * Kubernetes' NamespaceLifecycle admission: a namespaced object may only be
 * created in a namespace that exists and is not being deleted. Reads the
 * namespace from the watch cache, falling back to etcd when the cache does not
 * know it yet (a namespace created a moment ago on another apiserver).
 */
export class NamespaceLifecycle {
  constructor(
    private readonly store: Store,
    private readonly cacher: Cacher,
  ) {}

  async admitCreate(info: ResourceInfo, namespace: string, name: string): Promise<void> {
    if (!info.namespaced) return;
    const ns = await this.lookup(namespace);
    if (!ns) throw notFound(NAMESPACES, namespace);
    if (
      ns.metadata?.deletionTimestamp ||
      (ns.status as { phase?: string } | undefined)?.phase === "Terminating"
    ) {
      throw forbidden(
        info,
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  private async lookup(name: string): Promise<KubeObject | undefined> {
    const key = this.store.keys.objectKey(NAMESPACES, undefined, name);
    const cached = this.cacher.cacheFor(NAMESPACES)?.get(key);
    if (cached) return cached;
    return (await this.store.get(NAMESPACES, undefined, name))?.obj;
  }
}

export { NAMESPACES };
