import { isDeepStrictEqual } from "node:util";
import type { ResourceInfo } from "@ktl/api";
import type { ApiObject } from "@ktl/client";
import { finalState, type EventHandler } from "@ktl/informers";
import type { DependencyGraph } from "./graph.js";
import {
  FOREGROUND_FINALIZER,
  ORPHAN_FINALIZER,
  hasFinalizer,
  idOf,
  itemKey,
  ownerIdOf,
  type ObjectId,
  type ReadonlyObject,
} from "./identity.js";

/**
 * The collector's event handler for one kind: it only queues item keys (the
 * part of Kubernetes' GraphBuilder.processGraphChanges that decides what to
 * look at; the graph itself is the informer caches).
 *
 * - an object with owners, or marked for deletion with a collector finalizer,
 *   is queued when added or changed;
 * - when an object's owner references change, owners it no longer blocks that
 *   are waiting for their dependents are queued;
 * - when an object goes, its dependents are queued (their owner is now
 *   absent) and so are owners waiting for it.
 *
 * Resyncs (same resourceVersion) are dropped: nothing changed.
 */
export function gcEventHandler(
  info: ResourceInfo,
  graph: DependencyGraph,
  enqueue: (key: string) => void,
): EventHandler<ApiObject> {
  const queueIfInteresting = (obj: ReadonlyObject): void => {
    const id = idOf(info, obj);
    if (!id) return;
    const meta = obj.metadata;
    const collecting =
      !!meta?.deletionTimestamp &&
      (hasFinalizer(obj, ORPHAN_FINALIZER) || hasFinalizer(obj, FOREGROUND_FINALIZER));
    if ((meta?.ownerReferences?.length ?? 0) > 0 || collecting) enqueue(itemKey(id));
  };
  /** Owners of `obj` that are marked for deletion: they may be waiting for it. */
  const queueDeletingOwners = (id: ObjectId, obj: ReadonlyObject): void => {
    for (const ref of obj.metadata?.ownerReferences ?? []) {
      const ownerId = ownerIdOf(ref, id);
      if (typeof ownerId === "string") continue;
      if (graph.get(ownerId)?.metadata?.deletionTimestamp) enqueue(itemKey(ownerId));
    }
  };
  return {
    onAdd: queueIfInteresting,
    onUpdate: (old, obj) => {
      if (old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
      queueIfInteresting(obj);
      const id = idOf(info, old);
      if (id && !isDeepStrictEqual(old.metadata?.ownerReferences, obj.metadata?.ownerReferences)) {
        queueDeletingOwners(id, old);
      }
    },
    onDelete: (deleted) => {
      const obj = finalState(deleted);
      const id = idOf(info, obj);
      if (!id) return;
      for (const dep of graph.dependents(id.uid)) enqueue(itemKey(dep.id));
      queueDeletingOwners(id, obj);
    },
  };
}
