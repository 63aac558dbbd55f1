import type { ResourceInfo } from "@ktl/api";
import type { KubeObject } from "../storage/object.js";
import type { Store, Versioned } from "../storage/store.js";

/**
 * The last step of a write, after defaulting, validation and admission: how
 * an object of one kind reaches etcd. Most kinds are plain store writes;
 * Services also take and give back cluster IPs and node ports in the same
 * transaction (see ../services). Implementations are called concurrently,
 * and throw the store's errors (AlreadyExists, Conflict, NotFound) unchanged
 * so the registry's conflict retries keep working. With `dryRun` nothing is
 * written, but the answer shows what would have been stored.
 */
export interface ObjectWriter {
  create(info: ResourceInfo, obj: KubeObject, dryRun: boolean): Promise<KubeObject>;
  /** Replaces `current` (compare-and-swap on its revision). */
  update(info: ResourceInfo, next: KubeObject, current: Versioned, dryRun: boolean): Promise<KubeObject>;
  /** Removes `current` (compare-and-swap on its revision). */
  delete(info: ResourceInfo, current: Versioned, dryRun: boolean): Promise<void>;
}

export function plainWriter(store: Store): ObjectWriter {
  return {
    create: async (info, obj, dryRun) => (dryRun ? obj : (await store.create(info, obj)).obj),
    update: async (info, next, current, dryRun) =>
      dryRun ? next : (await store.update(info, next, current.rev)).obj,
    delete: async (info, current, dryRun) => {
      if (dryRun) return;
      const meta = current.obj.metadata ?? {};
      await store.delete(info, meta.namespace, meta.name ?? "", current.rev);
    },
  };
}
