/**
 * The RollingUpdate strategy (Kubernetes' `rolling.go`): each pass either
 * raises the new ReplicaSet as far as maxSurge allows or lowers old ones as
 * far as maxUnavailable allows — never both, so every step is judged on
 * what the previous one left — and writes the status.
 */
import type { ReconcileResult } from "@ktl/controller";
import { syncRolloutStatus } from "./progress.js";
import type { SyncContext, SyncState } from "./state.js";
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, scaleReplicaSet } from "./sync.js";
import { deploymentComplete } from "./util/conditions.js";
import { desiredReplicas, maxUnavailable } from "./util/fenceposts.js";
import {
  availableLowerBound,
  byCreation,
  filterActive,
  newRSNewReplicas,
  replicaCount,
  specReplicas,
  type ReadonlyReplicaSet,
} from "./util/replica-sets.js";

/** `rolloutRolling`: one step of a rolling update. */
export async function rolloutRolling(
  ctx: SyncContext,
  state: SyncState,
): Promise<ReconcileResult | undefined> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, state, true);
  if (!newRS) throw new Error("no new ReplicaSet after creating it"); // create: true returns one or throws

  if (await reconcileNewReplicaSet(ctx, state, newRS)) return syncRolloutStatus(ctx, state, newRS);

  const latestNew = state.latest(newRS);
  const active = filterActive(oldRSs.map((rs) => state.latest(rs)));
  if (await reconcileOldReplicaSets(ctx, state, active, latestNew))
    return syncRolloutStatus(ctx, state, newRS);

  if (deploymentComplete(state.d, state.d.status ?? {})) await cleanupDeployment(ctx, state, oldRSs);
  return syncRolloutStatus(ctx, state, newRS);
}

/**
 * `reconcileNewReplicaSet`: lowers the new ReplicaSet to the desired
 * replicas if it has more, else raises it as far as the surge allows.
 * True when it was scaled.
 */
export async function reconcileNewReplicaSet(
  ctx: SyncContext,
  state: SyncState,
  newRS: ReadonlyReplicaSet,
): Promise<boolean> {
  const replicas = desiredReplicas(state.d);
  const current = specReplicas(newRS);
  if (current === replicas) return false;
  const target = current > replicas ? replicas : newRSNewReplicas(state.d, state.rsList, newRS);
  const { scaled } = await scaleReplicaSet(ctx, state, newRS, target);
  return scaled;
}

/**
 * `reconcileOldReplicaSets`: lowers old ReplicaSets without letting fewer
 * than replicas − maxUnavailable pods be available. Unhealthy old pods go
 * first: removing them costs no availability, and left alone they could
 * block the rollout (kubernetes#16737). True when anything was lowered.
 */
export async function reconcileOldReplicaSets(
  ctx: SyncContext,
  state: SyncState,
  oldRSs: readonly ReadonlyReplicaSet[],
  newRS: ReadonlyReplicaSet,
): Promise<boolean> {
  const { d } = state;
  if (replicaCount(oldRSs) === 0) return false;
  const allPods = replicaCount([...oldRSs, newRS]);
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - availableLowerBound([newRS]);
  // Scaling down more than this could leave too few available pods even if
  // every old pod is available: the new ones may not be yet.
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;

  const cleaned = await cleanupUnhealthyReplicas(ctx, state, oldRSs, maxScaledDown);
  const scaledDown = await scaleDownOldReplicaSetsForRollingUpdate(
    ctx,
    state,
    [...cleaned.oldRSs, newRS],
    cleaned.oldRSs,
  );
  return cleaned.count + scaledDown > 0;
}

/**
 * `cleanupUnhealthyReplicas`: lowers each old ReplicaSet (oldest first) by
 * its unavailable pods, at most `maxCleanup` in all. The ReplicaSet
 * controller deletes unavailable pods first, so this removes no available
 * pod. Returns the ReplicaSets as they now are and how many were removed.
 */
export async function cleanupUnhealthyReplicas(
  ctx: SyncContext,
  state: SyncState,
  oldRSs: readonly ReadonlyReplicaSet[],
  maxCleanup: number,
): Promise<{ oldRSs: ReadonlyReplicaSet[]; count: number }> {
  const sorted = [...oldRSs].sort(byCreation);
  let total = 0;
  for (const [i, rs] of sorted.entries()) {
    if (total >= maxCleanup) break;
    const replicas = specReplicas(rs);
    const unhealthy = replicas - availableLowerBound([rs]);
    if (replicas === 0 || unhealthy === 0) continue;
    const count = Math.min(maxCleanup - total, unhealthy);
    const { rs: scaled } = await scaleReplicaSet(ctx, state, rs, replicas - count);
    sorted[i] = scaled;
    total += count;
  }
  return { oldRSs: sorted, count: total };
}

/**
 * `scaleDownOldReplicaSetsForRollingUpdate`: lowers old ReplicaSets, oldest
 * first, by as many pods as are available beyond replicas − maxUnavailable.
 * Returns how many were removed.
 */
export async function scaleDownOldReplicaSetsForRollingUpdate(
  ctx: SyncContext,
  state: SyncState,
  allRSs: readonly ReadonlyReplicaSet[],
  oldRSs: readonly ReadonlyReplicaSet[],
): Promise<number> {
  const { d } = state;
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const available = availableLowerBound(allRSs);
  if (available <= minAvailable) return 0;
  const toScaleDown = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= toScaleDown) break;
    const replicas = specReplicas(rs);
    if (replicas === 0) continue;
    const count = Math.min(replicas, toScaleDown - total);
    await scaleReplicaSet(ctx, state, rs, replicas - count);
    total += count;
  }
  return total;
}
