import type { OwnerReference } from "@ktl/api";
import { isNotFound } from "@ktl/apimachinery";
import type { Client } from "@ktl/client";
import type { Reconciler } from "@ktl/controller";
import type { DeepReadonly } from "@ktl/informers";
import type { Logger } from "@ktl/service";
import type { DependencyGraph, GraphNode } from "./graph.js";
import {
  FOREGROUND_FINALIZER,
  ORPHAN_FINALIZER,
  hasFinalizer,
  isDeletingDependents,
  itemKey,
  parseItemKey,
  refTo,
  type ObjectId,
  type ReadonlyObject,
} from "./identity.js";
import { OwnerResolver } from "./owners.js";

const STRATEGIC = { patchType: "application/strategic-merge-patch+json" };
const MERGE = { patchType: "application/merge-patch+json" };

type Policy = "Background" | "Foreground" | "Orphan";

export interface GarbageCollectorOptions {
  readonly client: Client;
  readonly graph: DependencyGraph;
  /** Adds an item key to the collector's queue. */
  readonly enqueue: (key: string) => void;
  readonly log: Logger;
  readonly owners?: OwnerResolver;
}

/**
 * Kubernetes' `attemptToDeleteItem` and `attemptToOrphanWorker` as one
 * level-based reconcile of an item key (identity.ts). Reading the item from
 * the graph, it does one of:
 *
 * - marked for deletion with `orphan`: removes its uid from every dependent's
 *   ownerReferences, then the finalizer (the apiserver then deletes it);
 * - marked with `foregroundDeletion`: queues its dependents for deletion and,
 *   once no dependent with `blockOwnerDeletion` is left, removes the finalizer;
 * - otherwise, with owner references: classifies its owners (owners.ts). With
 *   a solid owner it stays, and references to absent or waiting owners are
 *   removed; without one it is deleted — Foreground when an owner waits for it
 *   and it has dependents of its own, else as its own finalizers ask
 *   (Background by default).
 *
 * Deletes carry the uid and resourceVersion the decision was made on as
 * preconditions, so a stale cache (say, an ownerReference added meanwhile)
 * makes the apiserver refuse with a conflict and the item is retried on the
 * fresher state rather than wrongly deleted.
 */
export class GarbageCollector implements Reconciler {
  private readonly client: Client;
  private readonly graph: DependencyGraph;
  private readonly enqueue: (key: string) => void;
  private readonly log: Logger;
  private readonly owners: OwnerResolver;

  constructor(options: GarbageCollectorOptions) {
    this.client = options.client;
    this.graph = options.graph;
    this.enqueue = options.enqueue;
    this.log = options.log;
    this.owners = options.owners ?? new OwnerResolver(options.graph, options.client);
  }

  async reconcile(key: string): Promise<void> {
    const id = parseItemKey(key);
    if (!id) return;
    // Gone (or replaced under the same name): its delete event queued its dependents.
    const obj = this.graph.get(id);
    if (!obj) return;
    if (obj.metadata?.deletionTimestamp) {
      if (hasFinalizer(obj, ORPHAN_FINALIZER)) return this.orphanDependents(id, obj);
      if (hasFinalizer(obj, FOREGROUND_FINALIZER)) return this.deleteDependentsFirst(id, obj);
      // Being deleted is a one-way trip; its dependents are looked at once it is gone.
      return;
    }
    const refs = obj.metadata?.ownerReferences ?? [];
    if (refs.length === 0) return;
    const { solid, dangling, waiting, unresolvable } = await this.owners.classify(id, refs);
    if (unresolvable.length > 0) {
      this.log.warn("ignoring owner references that cannot be checked", {
        item: describe(id),
        owners: unresolvable.map((r) => `${r.apiVersion ?? ""}/${r.kind ?? ""} ${r.name ?? ""}`),
      });
    }
    if (solid.length > 0) {
      // A waiting owner's reference must go too, or that owner would wait forever.
      const stale = [...dangling, ...waiting];
      if (stale.length > 0) await this.removeOwnerRefs(id, stale);
      return;
    }
    if (waiting.length > 0 && this.graph.hasDependents(id.uid)) {
      await this.unblockIfCycle(id, obj);
      return this.delete(id, obj, "Foreground");
    }
    const policy: Policy = hasFinalizer(obj, ORPHAN_FINALIZER)
      ? "Orphan"
      : hasFinalizer(obj, FOREGROUND_FINALIZER)
        ? "Foreground"
        : "Background";
    return this.delete(id, obj, policy);
  }

  /** Foreground deletion of `id`: its dependents go, then (blocking ones gone) so does it. */
  private async deleteDependentsFirst(id: ObjectId, obj: ReadonlyObject): Promise<void> {
    const dependents = this.graph.dependents(id.uid);
    const blocking = dependents.filter((d) => refTo(d.obj, id.uid)?.blockOwnerDeletion === true);
    if (blocking.length === 0) {
      await this.removeFinalizer(id, obj, FOREGROUND_FINALIZER);
      return;
    }
    // Each dependent decides for itself (it may have another, solid owner).
    // Those already being deleted will be seen going by the delete handler,
    // which queues this owner again.
    for (const dep of dependents) {
      if (!dep.obj.metadata?.deletionTimestamp) this.enqueue(itemKey(dep.id));
    }
  }

  /** Orphan deletion of `id`: its dependents lose their reference to it, then it goes. */
  private async orphanDependents(id: ObjectId, obj: ReadonlyObject): Promise<void> {
    const dependents = this.graph.dependents(id.uid);
    const results = await Promise.allSettled(
      dependents.map((dep) => this.removeOwnerRefs(dep.id, [{ uid: id.uid }])),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed.length > 0) {
      throw new Error(
        `orphaning ${failed.length} of ${dependents.length} dependents of ${describe(id)} failed: ${String(failed[0]?.reason)}`,
      );
    }
    if (dependents.length > 0) {
      this.log.info("orphaned dependents", { owner: describe(id), dependents: dependents.length });
    }
    await this.removeFinalizer(id, obj, ORPHAN_FINALIZER);
  }

  private async delete(id: ObjectId, obj: ReadonlyObject, propagationPolicy: Policy): Promise<void> {
    this.log.info("deleting dependent", { item: describe(id), propagationPolicy });
    try {
      await this.client.delete(id.info, id.namespace, id.name, {
        propagationPolicy,
        preconditions: { uid: id.uid, resourceVersion: obj.metadata?.resourceVersion },
      });
    } catch (err) {
      // Already gone is what we wanted; a conflict means the cache was stale: retry on fresher state.
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * Drops the references to the owners with these uids, as Kubernetes does:
   * a strategic merge patch deleting list entries by uid, which leaves other
   * references alone and is a no-op for a reference already gone.
   */
  private async removeOwnerRefs(id: ObjectId, refs: readonly Pick<OwnerReference, "uid">[]): Promise<void> {
    const patch = { metadata: { ownerReferences: refs.map((r) => ({ $patch: "delete", uid: r.uid })) } };
    try {
      await this.client.patch(id.info, id.namespace, id.name, patch, STRATEGIC);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * Removes a garbage-collection finalizer. The cached resourceVersion is a
   * precondition (as in Kubernetes' removeFinalizer), so the finalizers are
   * only ever rewritten from the state the decision was made on.
   */
  private async removeFinalizer(id: ObjectId, obj: ReadonlyObject, finalizer: string): Promise<void> {
    const finalizers = (obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer);
    const patch = { metadata: { resourceVersion: obj.metadata?.resourceVersion, finalizers } };
    this.log.info("removing finalizer", { item: describe(id), finalizer });
    try {
      await this.client.patch(id.info, id.namespace, id.name, patch, MERGE);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * An item whose owner waits for it and which waits for one of its own
   * dependents may be in a cycle of blocking references that would never
   * resolve; as Kubernetes does, it stops blocking its owners before it is
   * deleted in the foreground.
   */
  private async unblockIfCycle(id: ObjectId, obj: ReadonlyObject): Promise<void> {
    const cycle = this.graph.dependents(id.uid).some((d: GraphNode) => isDeletingDependents(d.obj));
    if (!cycle) return;
    const blocking = (obj.metadata?.ownerReferences ?? []).filter(
      (r: DeepReadonly<OwnerReference>) => r.blockOwnerDeletion === true,
    );
    if (blocking.length === 0) return;
    const patch = {
      metadata: { ownerReferences: blocking.map((r) => ({ uid: r.uid, blockOwnerDeletion: false })) },
    };
    await this.client.patch(id.info, id.namespace, id.name, patch, STRATEGIC);
  }
}

function describe(id: ObjectId): string {
  const group = id.info.group ? `.${id.info.group}` : "";
  const where = id.namespace ? `${id.namespace}/` : "";
  return `${id.info.resource}${group} ${where}${id.name} (${id.uid})`;
}
