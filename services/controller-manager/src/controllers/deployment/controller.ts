/**
 * The Deployment controller (Kubernetes' `deployment_controller.go`):
 * informers for Deployments, ReplicaSets and pods; handlers that turn every
 * change into the `namespace/name` key of the Deployment concerned; and the
 * reconcile that claims the Deployment's ReplicaSets and hands the pass to
 * the step that applies — status only while being deleted, scaling while
 * paused or resized, a rollback request, or a step of the strategy's
 * rollout (`rolling.ts`, `recreate.ts`).
 */
import type { EventRecorder } from "@ktl/events";
import type { Deployment, OwnerReference, Pod, ReplicaSet } from "@ktl/api";
import { selectorFromLabelSelector, type LabelSelector } from "@ktl/apimachinery";
import type { Client } from "@ktl/client";
import { TerminalError, runWorkers, type ReconcileResult, type Reconciler } from "@ktl/controller";
import { finalState, keyOf, type DeepReadonly, type Indexer, type SharedInformer } from "@ktl/informers";
import type { Logger } from "@ktl/service";
import { RateLimitingWorkQueue, type RateLimitingQueue } from "@ktl/workqueue";
import type { Controller } from "../../controller.js";
import { claimReplicaSets, podMapFor } from "./claim.js";
import { DEPLOYMENTS, DeploymentControl, PODS, REPLICA_SETS, controllerOf } from "./control.js";
import { rolloutRecreate } from "./recreate.js";
import { rollback, rollbackTo } from "./rollback.js";
import { rolloutRolling } from "./rolling.js";
import { SyncState, type ReadonlyPod, type SyncContext } from "./state.js";
import { checkPausedConditions, isScalingEvent, sync, syncStatusOnly } from "./sync.js";
import { RECREATE, ROLLING_UPDATE, type ReadonlyDeployment } from "./util/fenceposts.js";
import type { ReadonlyReplicaSet } from "./util/replica-sets.js";

export const NAME = "deployment";

export interface DeploymentReconcilerOptions {
  readonly recorder?: EventRecorder;
  readonly client: Client;
  readonly deployments: Indexer<Deployment>;
  readonly replicaSets: Indexer<ReplicaSet>;
  readonly pods: Indexer<Pod>;
  readonly log: Logger;
  /** Wall-clock time in ms, for condition timestamps and the progress deadline. */
  readonly now?: () => number;
}

/**
 * `syncDeployment`: reconciles one Deployment by `namespace/name`.
 * Level-based and idempotent; the work queue never hands the same key to
 * two workers. Returns a requeue while a progress deadline is running.
 */
export class DeploymentReconciler implements Reconciler {
  private readonly ctx: SyncContext;

  constructor(private readonly options: DeploymentReconcilerOptions) {
    this.ctx = {
      control: new DeploymentControl(options.client),
      log: options.log,
      recorder: options.recorder,
      now: options.now ?? Date.now,
    };
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = this.options.deployments.get(key);
    if (!cached) return; // deleted: its ReplicaSets go with the garbage collector
    const d = structuredClone(cached) as Deployment;
    const selector = parseSelector(d);
    if (selector.empty()) {
      // It would select every pod in the namespace: refuse, but say the spec was seen.
      this.ctx.log.warn("deployment selects all pods; a non-empty selector is required", { deployment: key });
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        await this.ctx.control.updateDeploymentStatus(d, {
          ...d.status,
          observedGeneration: d.metadata?.generation,
        });
      }
      return;
    }
    const namespace = d.metadata?.namespace ?? "";
    const { claimed, errors } = await claimReplicaSets({
      d,
      selector,
      replicaSets: this.options.replicaSets.listByIndex("byNamespace", namespace),
      control: this.ctx.control,
      canAdopt: () => this.recheckDeletion(d),
    });
    if (errors.length > 0) throw toError(errors[0]);
    const podMap = podMapFor({
      selector,
      replicaSets: claimed,
      pods: this.options.pods.listByIndex("byNamespace", namespace),
    });
    const state = new SyncState(d, claimed, podMap);

    if (d.metadata?.deletionTimestamp) return syncStatusOnly(this.ctx, state);
    // Before anything else, so a resumed Deployment never times out for the time it was paused.
    await checkPausedConditions(this.ctx, state);
    if (d.spec?.paused) return sync(this.ctx, state);
    // Not re-entrant: until the request is cleared no ReplicaSet may get a new revision.
    if (rollbackTo(d) !== undefined) return rollback(this.ctx, state);
    if (await isScalingEvent(this.ctx, state)) return sync(this.ctx, state);
    switch (d.spec?.strategy?.type) {
      case RECREATE:
        return rolloutRecreate(this.ctx, state);
      case ROLLING_UPDATE:
        return rolloutRolling(this.ctx, state);
      default:
        throw new TerminalError(`unexpected deployment strategy type: ${d.spec?.strategy?.type}`);
    }
  }

  /**
   * `RecheckDeletionTimestamp`: before adopting, a live read that the
   * Deployment is still the object we cached and is not being deleted.
   */
  private async recheckDeletion(d: ReadonlyDeployment): Promise<void> {
    const meta = d.metadata ?? {};
    const fresh = await this.options.client.get<Deployment>(DEPLOYMENTS, meta.namespace, meta.name ?? "");
    if (fresh.metadata?.uid !== meta.uid) {
      throw new Error(
        `original Deployment ${meta.namespace}/${meta.name} is gone: got uid ${fresh.metadata?.uid}`,
      );
    }
    if (fresh.metadata?.deletionTimestamp) {
      throw new Error(`Deployment ${meta.namespace}/${meta.name} has just been deleted`);
    }
  }
}

/** The selector, or a TerminalError: retrying cannot fix an invalid selector. */
function parseSelector(d: ReadonlyDeployment): LabelSelector {
  try {
    return selectorFromLabelSelector(d.spec?.selector);
  } catch (err) {
    throw new TerminalError(`invalid selector: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export interface DeploymentControllerOptions {
  readonly recorder?: EventRecorder;
  readonly client: Client;
  readonly deployments: SharedInformer<Deployment>;
  readonly replicaSets: SharedInformer<ReplicaSet>;
  readonly pods: SharedInformer<Pod>;
  readonly log: Logger;
  /** Defaults to a queue with the default controller rate limiter. */
  readonly queue?: RateLimitingQueue<string>;
  readonly now?: () => number;
}

/**
 * The handlers only enqueue Deployment keys: a ReplicaSet maps to the
 * Deployment its controller reference names (an orphan to every Deployment
 * whose selector matches it, one of which may adopt it); a pod matters only
 * when its deletion may let a Recreate rollout go on.
 */
export class DeploymentController {
  readonly queue: RateLimitingQueue<string>;
  readonly reconciler: DeploymentReconciler;
  private readonly deployments: Indexer<Deployment>;
  private readonly replicaSets: Indexer<ReplicaSet>;
  private readonly pods: Indexer<Pod>;

  constructor(private readonly options: DeploymentControllerOptions) {
    this.deployments = options.deployments.indexer;
    this.replicaSets = options.replicaSets.indexer;
    this.pods = options.pods.indexer;
    this.queue = options.queue ?? new RateLimitingWorkQueue<string>({ name: NAME });
    this.reconciler = new DeploymentReconciler({
      client: options.client,
      deployments: this.deployments,
      replicaSets: this.replicaSets,
      pods: this.pods,
      log: options.log,
      recorder: options.recorder,
      now: options.now,
    });
    options.deployments.addEventHandler({
      onAdd: (d) => this.queue.add(keyOf(d)),
      // Resyncs are kept: they are the periodic retry of a dropped key.
      onUpdate: (_old, d) => this.queue.add(keyOf(d)),
      onDelete: (obj) => this.queue.add(keyOf(obj)),
    });
    options.replicaSets.addEventHandler({
      onAdd: (rs) => this.addReplicaSet(rs),
      onUpdate: (old, rs) => this.updateReplicaSet(old, rs),
      onDelete: (obj) => this.enqueueController(finalState(obj)),
    });
    options.pods.addEventHandler({ onDelete: (obj) => this.deletePod(finalState(obj)) });
  }

  /** Runs `workers` workers until `signal` aborts (the caches must have synced). */
  run(signal: AbortSignal, workers: number): Promise<void> {
    return runWorkers({
      name: NAME,
      queue: this.queue,
      reconciler: this.reconciler,
      workers,
      signal,
      log: this.options.log,
    });
  }

  /** The cached Deployment a controller reference points to, if it is that very object. */
  private resolve(
    namespace: string | undefined,
    ref: DeepReadonly<OwnerReference>,
  ): ReadonlyDeployment | undefined {
    if (ref.kind !== "Deployment" || !ref.name) return undefined;
    const d = this.deployments.get(`${namespace ?? ""}/${ref.name}`);
    return d && d.metadata?.uid === ref.uid ? d : undefined;
  }

  /** `getDeploymentsForReplicaSet`: Deployments whose selector matches an orphan ReplicaSet. */
  private matchingDeployments(rs: ReadonlyReplicaSet): ReadonlyDeployment[] {
    const labels = rs.metadata?.labels;
    if (!labels || Object.keys(labels).length === 0) return [];
    return this.deployments.listByIndex("byNamespace", rs.metadata?.namespace ?? "").filter((d) => {
      try {
        const selector = selectorFromLabelSelector(d.spec?.selector);
        return !selector.empty() && selector.matches(labels);
      } catch {
        return false;
      }
    });
  }

  private enqueueController(rs: ReadonlyReplicaSet): void {
    const ref = controllerOf(rs);
    const d = ref && this.resolve(rs.metadata?.namespace, ref);
    if (d) this.queue.add(keyOf(d));
  }

  private addReplicaSet(rs: ReadonlyReplicaSet): void {
    if (controllerOf(rs) || rs.metadata?.deletionTimestamp) {
      this.enqueueController(rs);
      return;
    }
    for (const d of this.matchingDeployments(rs)) this.queue.add(keyOf(d));
  }

  private updateReplicaSet(old: ReadonlyReplicaSet, rs: ReadonlyReplicaSet): void {
    // Same resourceVersion: a periodic resync; the Deployment has its own.
    if (old.metadata?.resourceVersion === rs.metadata?.resourceVersion) return;
    const ref = controllerOf(rs);
    const oldRef = controllerOf(old);
    const refChanged = ref?.uid !== oldRef?.uid || ref?.name !== oldRef?.name || ref?.kind !== oldRef?.kind;
    if (refChanged && oldRef) this.enqueueController(old);
    if (ref) {
      this.enqueueController(rs);
      return;
    }
    const labelsChanged =
      JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(rs.metadata?.labels ?? {});
    if (labelsChanged || refChanged) {
      for (const d of this.matchingDeployments(rs)) this.queue.add(keyOf(d));
    }
  }

  /**
   * A Recreate rollout waits until the old pods are gone; the last one going
   * is the event that lets it go on. Other deletions show in the
   * ReplicaSets' status, which has its own events.
   */
  private deletePod(pod: ReadonlyPod): void {
    const podRef = controllerOf(pod);
    if (podRef?.kind !== "ReplicaSet" || !podRef.name) return;
    const rs = this.replicaSets.get(`${pod.metadata?.namespace ?? ""}/${podRef.name}`);
    if (!rs || rs.metadata?.uid !== podRef.uid) return;
    const ref = controllerOf(rs);
    const d = ref && this.resolve(rs.metadata?.namespace, ref);
    if (d?.spec?.strategy?.type !== RECREATE) return;
    const remaining = this.replicaSets
      .listByIndex("byOwnerUid", d.metadata?.uid ?? "")
      .some((owned) => this.pods.listByIndex("byOwnerUid", owned.metadata?.uid ?? "").length > 0);
    if (!remaining) this.queue.add(keyOf(d));
  }
}

/** The Deployment controller as the controller-manager runs it (`--controllers deployment`). */
export const deploymentController: Controller = {
  name: NAME,
  setup(ctx) {
    const controller = new DeploymentController({
      client: ctx.client,
      deployments: ctx.informers.informerFor<Deployment>(DEPLOYMENTS),
      replicaSets: ctx.informers.informerFor<ReplicaSet>(REPLICA_SETS),
      pods: ctx.informers.informerFor<Pod>(PODS),
      log: ctx.log,
      recorder: ctx.recorder,
      queue: ctx.newQueue(NAME),
    });
    return { run: (signal) => controller.run(signal, ctx.config.workers) };
  },
};
