/**
 * The ReplicaSet controller (Kubernetes' `pkg/controller/replicaset`):
 * informers for ReplicaSets and pods, handlers that turn every change into
 * the `namespace/name` key of the ReplicaSet concerned (and record observed
 * creations and deletions in the expectations), and the workers that run
 * `ReplicaSetSync` on those keys.
 */
import type { EventRecorder } from "@ktl/events";
import type { OwnerReference, Pod, ReplicaSet } from "@ktl/api";
import { selectorFromLabelSelector } from "@ktl/apimachinery";
import type { Client } from "@ktl/client";
import { Expectations, runWorkers } from "@ktl/controller";
import {
  finalState,
  keyOf,
  type DeepReadonly,
  type DeletedFinalStateUnknown,
  type SharedInformer,
} from "@ktl/informers";
import type { Logger } from "@ktl/service";
import { RateLimitingWorkQueue, type RateLimitingQueue } from "@ktl/workqueue";
import type { Controller } from "../../controller.js";
import { PODS, REPLICA_SETS } from "./pod-control.js";
import { controllerOf, isPodReady, type ReadonlyPod } from "./pod-util.js";
import { ReplicaSetSync } from "./sync.js";

export const NAME = "replicaset";

type ReadonlyRS = DeepReadonly<ReplicaSet>;

export interface ReplicaSetControllerOptions {
  /** Records SuccessfulCreate / SuccessfulDelete / FailedCreate. */
  readonly recorder?: EventRecorder;
  readonly client: Client;
  readonly replicaSets: SharedInformer<ReplicaSet>;
  readonly pods: SharedInformer<Pod>;
  readonly log: Logger;
  /** Defaults to a queue with the default controller rate limiter. */
  readonly queue?: RateLimitingQueue<string>;
  readonly expectations?: Expectations;
  /** Wall-clock time in ms, for pod availability. */
  readonly now?: () => number;
  readonly burstReplicas?: number;
}

/**
 * Handlers only enqueue keys and record observations; all decisions are made
 * by the reconcile, from the caches. Handler contract (see `EventHandler`):
 * each handler sees one notification at a time, so the expectation updates
 * here never race with each other, only with reconciles — which is why
 * reconciles expect before they write.
 */
export class ReplicaSetController {
  readonly queue: RateLimitingQueue<string>;
  readonly expectations: Expectations;
  readonly sync: ReplicaSetSync;
  private readonly replicaSets: SharedInformer<ReplicaSet>;

  constructor(private readonly options: ReplicaSetControllerOptions) {
    this.replicaSets = options.replicaSets;
    this.queue = options.queue ?? new RateLimitingWorkQueue<string>({ name: NAME });
    this.expectations = options.expectations ?? new Expectations();
    this.sync = new ReplicaSetSync({
      client: options.client,
      replicaSets: options.replicaSets.indexer,
      pods: options.pods.indexer,
      expectations: this.expectations,
      log: options.log,
      recorder: options.recorder,
      now: options.now,
      burstReplicas: options.burstReplicas,
    });
    options.replicaSets.addEventHandler({
      onAdd: (rs) => this.enqueue(rs),
      // Resyncs are kept for ReplicaSets (unlike pods): they are the periodic
      // retry of a key dropped after too many failures or stuck behind
      // expectations that expired without an event.
      onUpdate: (_old, rs) => this.enqueue(rs),
      onDelete: (obj) => this.deleteReplicaSet(obj),
    });
    options.pods.addEventHandler({
      onAdd: (pod) => this.addPod(pod),
      onUpdate: (old, pod) => this.updatePod(old, pod),
      onDelete: (obj) => this.deletePod(finalState(obj)),
    });
  }

  /** Runs `workers` workers until `signal` aborts (the caches must have synced). */
  run(signal: AbortSignal, workers: number): Promise<void> {
    return runWorkers({
      name: NAME,
      queue: this.queue,
      reconciler: this.sync,
      workers,
      signal,
      log: this.options.log,
    });
  }

  private enqueue(rs: ReadonlyRS, afterMs?: number): void {
    const key = keyOf(rs);
    if (afterMs === undefined) this.queue.add(key);
    else this.queue.addAfter(key, afterMs);
  }

  private deleteReplicaSet(obj: ReadonlyRS | DeletedFinalStateUnknown<ReplicaSet>): void {
    const key = keyOf(obj);
    this.expectations.delete(key);
    this.queue.add(key);
  }

  /** The cached ReplicaSet a controller reference points to, if it is that very object. */
  private resolve(namespace: string | undefined, ref: DeepReadonly<OwnerReference>): ReadonlyRS | undefined {
    if (ref.kind !== "ReplicaSet" || !ref.name) return undefined;
    const rs = this.replicaSets.store.get(namespace ? `${namespace}/${ref.name}` : ref.name);
    return rs && rs.metadata?.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets in the pod's namespace whose selector matches it: who may adopt an orphan. */
  private matchingReplicaSets(pod: ReadonlyPod): ReadonlyRS[] {
    const labels = pod.metadata?.labels;
    if (!labels || Object.keys(labels).length === 0) return [];
    const namespace = pod.metadata?.namespace ?? "";
    return this.replicaSets.indexer.listByIndex("byNamespace", namespace).filter((rs) => {
      try {
        const selector = selectorFromLabelSelector(rs.spec?.selector);
        return !selector.empty() && selector.matches(labels);
      } catch {
        return false;
      }
    });
  }

  private addPod(pod: ReadonlyPod): void {
    if (pod.metadata?.deletionTimestamp) {
      // Seen for the first time already being deleted (after a restart, say):
      // that is a deletion to observe, not a creation.
      this.deletePod(pod);
      return;
    }
    const ref = controllerOf(pod);
    if (ref) {
      const rs = this.resolve(pod.metadata?.namespace, ref);
      if (!rs) return;
      this.expectations.creationObserved(keyOf(rs));
      this.enqueue(rs);
      return;
    }
    // An orphan: wake every ReplicaSet that might adopt it. Not a creation
    // anyone expects, so no observation.
    for (const rs of this.matchingReplicaSets(pod)) this.enqueue(rs);
  }

  private updatePod(old: ReadonlyPod, pod: ReadonlyPod): void {
    // Same resourceVersion: a periodic resync, nothing changed.
    if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    const labelsChanged = !shallowEqual(old.metadata?.labels, pod.metadata?.labels);
    if (pod.metadata?.deletionTimestamp) {
      // Graceful deletion has begun: count the pod gone now rather than when
      // the kubelet finally removes it, so its replacement starts at once.
      this.deletePod(pod);
      if (labelsChanged) this.deletePod(old);
      return;
    }
    const ref = controllerOf(pod);
    const oldRef = controllerOf(old);
    const refChanged = !sameRef(ref, oldRef);
    if (refChanged && oldRef) {
      const previous = this.resolve(old.metadata?.namespace, oldRef);
      if (previous) this.enqueue(previous);
    }
    if (ref) {
      const rs = this.resolve(pod.metadata?.namespace, ref);
      if (!rs) return;
      this.enqueue(rs);
      // Availability changes with time, not with an event: look again once
      // minReadySeconds have passed (plus a second of clock skew, as Kubernetes).
      const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(pod) && minReadySeconds > 0) {
        this.enqueue(rs, minReadySeconds * 1000 + 1000);
      }
      return;
    }
    if (labelsChanged || refChanged) {
      for (const rs of this.matchingReplicaSets(pod)) this.enqueue(rs);
    }
  }

  private deletePod(pod: ReadonlyPod): void {
    const ref = controllerOf(pod);
    if (!ref) return; // nobody waits for an orphan to go
    const rs = this.resolve(pod.metadata?.namespace, ref);
    if (!rs) return;
    const key = keyOf(rs);
    this.expectations.deletionObserved(key, pod.metadata?.uid ?? "");
    this.queue.add(key);
  }
}

function shallowEqual(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => a?.[k] === b?.[k]);
}

function sameRef(
  a: DeepReadonly<OwnerReference> | undefined,
  b: DeepReadonly<OwnerReference> | undefined,
): boolean {
  if (!a || !b) return a === b;
  return (
    a.uid === b.uid &&
    a.name === b.name &&
    a.kind === b.kind &&
    a.apiVersion === b.apiVersion &&
    a.controller === b.controller &&
    a.blockOwnerDeletion === b.blockOwnerDeletion
  );
}

/** The ReplicaSet controller as the controller-manager runs it (`--controllers replicaset`). */
export const replicaSetController: Controller = {
  name: NAME,
  setup(ctx) {
    const controller = new ReplicaSetController({
      client: ctx.client,
      replicaSets: ctx.informers.informerFor<ReplicaSet>(REPLICA_SETS),
      pods: ctx.informers.informerFor<Pod>(PODS),
      log: ctx.log,
      recorder: ctx.recorder,
      queue: ctx.newQueue(NAME),
    });
    return { run: (signal) => controller.run(signal, ctx.config.workers) };
  },
};
