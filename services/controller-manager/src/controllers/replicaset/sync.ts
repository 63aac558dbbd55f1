/**
 * The ReplicaSet reconcile (Kubernetes' `syncReplicaSet` and
 * `manageReplicas`): read the ReplicaSet and its pods from the caches, claim
 * the pods, create or delete the difference — unless earlier creates or
 * deletes have not shown up in the cache yet — and write the status.
 */
import { KINDS, referenceTo, type EventRecorder } from "@ktl/events";
import type { Pod, ReplicaSet } from "@ktl/api";
import {
  isConflict,
  isForbidden,
  isNotFound,
  selectorFromLabelSelector,
  type LabelSelector,
} from "@ktl/apimachinery";
import type { Client } from "@ktl/client";
import { TerminalError, type Expectations, type ReconcileResult, type Reconciler } from "@ktl/controller";
import type { DeepReadonly, Indexer } from "@ktl/informers";
import type { Logger } from "@ktl/service";
import { claimPods } from "./claim.js";
import { podsToDelete } from "./ordering.js";
import { PodControl, REPLICA_SETS, SLOW_START_INITIAL_BATCH, slowStartBatch } from "./pod-control.js";
import { controllerOf, isPodActive, toError, type ReadonlyPod } from "./pod-util.js";
import { calculateStatus, nextAvailableInMs, statusEqual } from "./status.js";

/** Kubernetes' `BurstReplicas`: at most this many creates or deletes per pass. */
export const BURST_REPLICAS = 500;

export interface ReplicaSetSyncOptions {
  readonly client: Client;
  readonly replicaSets: Indexer<ReplicaSet>;
  readonly pods: Indexer<Pod>;
  readonly expectations: Expectations;
  readonly log: Logger;
  /** Records SuccessfulCreate / SuccessfulDelete / FailedCreate / FailedDelete. */
  readonly recorder?: EventRecorder;
  /** Wall-clock time in ms (pod ready times are wall-clock timestamps). */
  readonly now?: () => number;
  readonly burstReplicas?: number;
}

type ReadonlyRS = DeepReadonly<ReplicaSet>;

/**
 * Reconciles one ReplicaSet by `namespace/name`. Level-based and idempotent:
 * it is not told what happened. Concurrency: the work queue never hands the
 * same key to two workers, which is what makes the expectations sound.
 */
export class ReplicaSetSync implements Reconciler {
  private readonly control: PodControl;
  private readonly now: () => number;
  private readonly burst: number;

  constructor(private readonly options: ReplicaSetSyncOptions) {
    this.control = new PodControl(options.client);
    this.now = options.now ?? Date.now;
    this.burst = options.burstReplicas ?? BURST_REPLICAS;
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { expectations } = this.options;
    const rs = this.options.replicaSets.get(key);
    if (!rs) {
      expectations.delete(key);
      return;
    }
    // Expectations first, cache second (as Kubernetes): the other order could
    // trust a cache read just before the last expected pod arrived in it.
    const needsSync = expectations.satisfied(key);
    const selector = parseSelector(rs);
    const namespace = rs.metadata?.namespace ?? "";
    const active = this.options.pods.listByIndex("byNamespace", namespace).filter(isPodActive);

    const { claimed, errors } = await claimPods({
      rs,
      selector,
      pods: active,
      control: this.control,
      canAdopt: () => this.recheckDeletion(rs),
    });
    if (errors.length > 0) throw toError(errors[0]);

    let manageError: Error | undefined;
    if (needsSync && !rs.metadata?.deletionTimestamp) {
      try {
        await this.manageReplicas(key, rs, claimed);
      } catch (err) {
        manageError = toError(err);
      }
    }

    const nowMs = this.now();
    const status = calculateStatus({ rs, pods: claimed, manageError, nowMs });
    await this.writeStatus(rs, status);
    if (manageError !== undefined) throw manageError;
    const wait = nextAvailableInMs(rs, claimed, nowMs);
    // A little past the instant, so the pod is strictly past minReadySeconds when we look.
    return wait === undefined ? undefined : { requeueAfterMs: wait + 100 };
  }

  private async manageReplicas(key: string, rs: ReadonlyRS, pods: readonly ReadonlyPod[]): Promise<void> {
    const { expectations, log } = this.options;
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    if (diff < 0) {
      const count = Math.min(-diff, this.burst);
      // Expect before acting: the first pod can reach the cache before create() returns.
      expectations.expect(key, count);
      log.info("too few replicas", { replicaSet: key, need: rs.spec?.replicas, creating: count });
      const { successes, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH, async () => {
        try {
          const pod = await this.control.createPod(rs);
          this.options.recorder?.event(
            referenceTo(rs, KINDS.ReplicaSet),
            "Normal",
            "SuccessfulCreate",
            "Created pod: %s",
            pod.metadata?.name ?? "",
          );
        } catch (err) {
          // Every create fails while the namespace is terminating; nothing to retry.
          if (!isNamespaceTerminating(err)) {
            this.options.recorder?.event(
              referenceTo(rs, KINDS.ReplicaSet),
              "Warning",
              "FailedCreate",
              "Error creating: %s",
              err instanceof Error ? err.message : String(err),
            );
            throw err;
          }
        }
      });
      // Creations that failed or were never tried will never be observed.
      for (let i = successes; i < count; i++) expectations.creationObserved(key);
      if (error !== undefined) throw toError(error);
      return;
    }
    if (diff > 0) {
      const count = Math.min(diff, this.burst);
      const victims = podsToDelete({ pods, related: this.relatedPods(rs), count });
      expectations.expect(
        key,
        0,
        victims.map((p) => p.metadata?.uid ?? ""),
      );
      log.info("too many replicas", { replicaSet: key, need: rs.spec?.replicas, deleting: count });
      const results = await Promise.allSettled(victims.map((pod) => this.control.deletePod(pod)));
      let first: unknown;
      results.forEach((result, i) => {
        const victim = victims[i]?.metadata?.name ?? "";
        if (result.status === "fulfilled") {
          this.options.recorder?.event(
            referenceTo(rs, KINDS.ReplicaSet),
            "Normal",
            "SuccessfulDelete",
            "Deleted pod: %s",
            victim,
          );
          return;
        }
        if (!isNotFound(result.reason)) {
          this.options.recorder?.event(
            referenceTo(rs, KINDS.ReplicaSet),
            "Warning",
            "FailedDelete",
            "Error deleting: %s",
            result.reason instanceof Error ? result.reason.message : String(result.reason),
          );
        }
        // This deletion will never be observed.
        expectations.deletionObserved(key, victims[i]?.metadata?.uid ?? "");
        if (!isNotFound(result.reason)) first ??= result.reason;
      });
      if (first !== undefined) throw toError(first);
    }
  }

  /**
   * The pods of every ReplicaSet with the same controller as `rs` (all of a
   * Deployment's), for ranking by colocation (`getIndirectlyRelatedPods`).
   */
  private relatedPods(rs: ReadonlyRS): ReadonlyPod[] {
    const owner = controllerOf(rs);
    if (!owner?.uid) return [];
    const namespace = rs.metadata?.namespace ?? "";
    const inNamespace = this.options.pods.listByIndex("byNamespace", namespace);
    const seen = new Set<string>();
    const related: ReadonlyPod[] = [];
    for (const sibling of this.options.replicaSets.listByIndex("byOwnerUid", owner.uid)) {
      if (controllerOf(sibling)?.uid !== owner.uid || sibling.metadata?.namespace !== namespace) continue;
      let selector: LabelSelector;
      try {
        selector = selectorFromLabelSelector(sibling.spec?.selector);
      } catch {
        continue; // an invalid selector matches no pods
      }
      for (const pod of inNamespace) {
        const uid = pod.metadata?.uid ?? "";
        if (seen.has(uid) || !selector.matches(pod.metadata?.labels)) continue;
        seen.add(uid);
        related.push(pod);
      }
    }
    return related;
  }

  /**
   * `RecheckDeletionTimestamp`: before adopting, a live read that the
   * ReplicaSet still exists as the object we cached and is not being deleted
   * (the cache may lag behind a delete; adopting then would orphan the pod
   * again at once, or worse, keep it from being collected).
   */
  private async recheckDeletion(rs: ReadonlyRS): Promise<void> {
    const meta = rs.metadata ?? {};
    const fresh = await this.options.client.get<ReplicaSet>(REPLICA_SETS, meta.namespace, meta.name ?? "");
    if (fresh.metadata?.uid !== meta.uid) {
      throw new Error(
        `original ReplicaSet ${meta.namespace}/${meta.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${meta.uid}`,
      );
    }
    if (fresh.metadata?.deletionTimestamp) {
      throw new Error(
        `ReplicaSet ${meta.namespace}/${meta.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`,
      );
    }
  }

  /**
   * Writes `status` through the status subresource unless it says what the
   * cached one does. One retry on a conflict, on a fresh read, as Kubernetes'
   * `updateReplicaSetStatus`; the status is computed from pods, so the fresh
   * object's own status does not matter.
   */
  private async writeStatus(rs: ReadonlyRS, status: ReplicaSet["status"]): Promise<void> {
    if (statusEqual(rs.status, status)) return;
    const { client } = this.options;
    const next = structuredClone(rs) as ReplicaSet;
    next.status = status;
    try {
      await client.updateStatus(REPLICA_SETS, next);
    } catch (err) {
      if (isNotFound(err)) return; // deleted meanwhile: its delete event cleans up
      if (!isConflict(err)) throw err;
      const meta = rs.metadata ?? {};
      const fresh = await client.get<ReplicaSet>(REPLICA_SETS, meta.namespace, meta.name ?? "");
      if (fresh.metadata?.uid !== meta.uid) return;
      // observedGeneration stays the generation this pass acted on; a newer spec brings its own pass.
      await client.updateStatus(REPLICA_SETS, { ...fresh, status });
    }
  }
}

/** The selector, or a TerminalError: retrying cannot fix an invalid selector. */
function parseSelector(rs: ReadonlyRS): LabelSelector {
  try {
    return selectorFromLabelSelector(rs.spec?.selector);
  } catch (err) {
    throw new TerminalError(`invalid selector: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/** The apiserver refuses new content in a namespace being deleted with this 403. */
function isNamespaceTerminating(err: unknown): boolean {
  return isForbidden(err) && err instanceof Error && err.message.includes("because it is being terminated");
}
