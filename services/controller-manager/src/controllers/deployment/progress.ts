/**
 * Rollout progress (Kubernetes' `progress.go`): the Progressing condition —
 * a new ReplicaSet, pods moving, the rollout complete, or no progress for
 * progressDeadlineSeconds — the ReplicaSets' failures as ReplicaFailure,
 * and when to look again so a stuck rollout is reported on time without
 * waiting for an event that will never come.
 */
import type { DeploymentCondition, DeploymentStatus } from "@ktl/api";
import type { ReconcileResult } from "@ktl/controller";
import type { SyncContext, SyncState } from "./state.js";
import { calculateStatus } from "./sync.js";
import {
  PROGRESSING,
  REPLICA_FAILURE,
  Reason,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  hasProgressDeadline,
  newCondition,
  progressDeadlineAt,
  removeCondition,
  replicaSetToDeploymentCondition,
  setCondition,
} from "./util/conditions.js";
import type { ReadonlyDeployment } from "./util/fenceposts.js";
import type { ReadonlyReplicaSet } from "./util/replica-sets.js";

/**
 * `syncRolloutStatus`: the status during a rollout, with the Progressing
 * condition worked out against the status on record, written if it
 * changed. Asks to be called again when the deadline could pass before
 * anything else happens.
 */
export async function syncRolloutStatus(
  ctx: SyncContext,
  state: SyncState,
  newRS: ReadonlyReplicaSet | undefined,
): Promise<ReconcileResult | undefined> {
  const { d } = state;
  const nowMs = ctx.now();
  const latestNewRS = state.latest(newRS);
  const status = calculateStatus({ d, allRSs: state.rsList, newRS: latestNewRS, nowMs });
  updateProgressing({ d, status, newRS: latestNewRS, nowMs });

  const failures = replicaFailures(state.rsList, latestNewRS);
  const first = failures[0];
  if (first) setCondition(status, first);
  else removeCondition(status, REPLICA_FAILURE);

  await ctx.control.updateDeploymentStatus(d, status);
  const after = requeueStuckDeploymentMs(d, nowMs);
  return after === undefined ? undefined : { requeueAfterMs: after };
}

/**
 * Sets `status`'s Progressing condition: complete (NewReplicaSetAvailable),
 * progressing (ReplicaSetUpdated, with a fresh lastUpdateTime at every
 * sign of progress — that time is what the deadline counts from), or timed
 * out (ProgressDeadlineExceeded). Without a deadline there is no
 * Progressing condition; once complete, resyncs estimate nothing.
 */
export function updateProgressing(options: {
  readonly d: ReadonlyDeployment;
  readonly status: DeploymentStatus;
  readonly newRS: ReadonlyReplicaSet | undefined;
  readonly nowMs: number;
}): void {
  const { d, status, newRS, nowMs } = options;
  if (!hasProgressDeadline(d)) {
    removeCondition(status, PROGRESSING);
    return;
  }
  const current = getCondition(d.status, PROGRESSING);
  const complete =
    status.replicas === status.updatedReplicas && current?.reason === Reason.NewReplicaSetAvailable;
  if (complete) return;
  const subject = newRS ? `ReplicaSet "${newRS.metadata?.name}"` : `Deployment "${d.metadata?.name}"`;

  if (deploymentComplete(d, status)) {
    const message = `${subject} has successfully progressed.`;
    setCondition(status, progressing("True", Reason.NewReplicaSetAvailable, message, nowMs));
  } else if (deploymentProgressing(d, status)) {
    const condition = progressing("True", Reason.ReplicaSetUpdated, `${subject} is progressing.`, nowMs);
    // Same status and reason would leave the condition as it is; progress
    // must move lastUpdateTime, so replace it, keeping the transition time.
    if (current) {
      if (current.status === "True") condition.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, PROGRESSING);
    }
    setCondition(status, condition);
  } else if (deploymentTimedOut(d, status, nowMs)) {
    const message = `${subject} has timed out progressing.`;
    setCondition(status, progressing("False", Reason.ProgressDeadlineExceeded, message, nowMs));
  }
}

function progressing(
  status: "True" | "False",
  reason: string,
  message: string,
  nowMs: number,
): DeploymentCondition {
  return newCondition({ type: PROGRESSING, status, reason, message, nowMs });
}

/** `getReplicaFailures`: the new ReplicaSet's ReplicaFailure, else any other's. */
export function replicaFailures(
  allRSs: readonly ReadonlyReplicaSet[],
  newRS: ReadonlyReplicaSet | undefined,
): DeploymentCondition[] {
  const of = (rs: ReadonlyReplicaSet | undefined): DeploymentCondition[] =>
    (rs?.status?.conditions ?? [])
      .filter((c) => c.type === REPLICA_FAILURE)
      .map(replicaSetToDeploymentCondition);
  const fromNew = of(newRS);
  return fromNew.length > 0 ? fromNew : allRSs.flatMap(of);
}

/**
 * `requeueStuckDeployment`: how long until the rollout, if nothing moves,
 * passes its deadline — plus a little, so it has strictly passed when we
 * look. Undefined when there is nothing to watch for: no deadline, no
 * Progressing condition, complete, or already timed out.
 */
export function requeueStuckDeploymentMs(d: ReadonlyDeployment, nowMs: number): number | undefined {
  const current = getCondition(d.status, PROGRESSING);
  if (!hasProgressDeadline(d) || !current) return undefined;
  if (deploymentComplete(d, d.status ?? {}) || current.reason === Reason.ProgressDeadlineExceeded) {
    return undefined;
  }
  const deadlineAt = progressDeadlineAt(d, current);
  if (deadlineAt === undefined) return undefined;
  return Math.max(deadlineAt - nowMs, 0) + REQUEUE_MARGIN_MS;
}

/** Past the deadline by this much when we look again, so timer slack never makes us look early. */
export const REQUEUE_MARGIN_MS = 100;
