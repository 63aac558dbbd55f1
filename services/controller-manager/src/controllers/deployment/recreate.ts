/**
 * The Recreate strategy (Kubernetes' `recreate.go`): old ReplicaSets go to
 * 0, and only once none of their pods is left — terminating ones included —
 * is the new ReplicaSet created with every replica. Old and new pods never
 * run side by side.
 */
import type { ReconcileResult } from "@ktl/controller";
import { syncRolloutStatus } from "./progress.js";
import type { ReadonlyPod, SyncContext, SyncState } from "./state.js";
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, scaleReplicaSet } from "./sync.js";
import { deploymentComplete } from "./util/conditions.js";
import { desiredReplicas } from "./util/fenceposts.js";
import {
  actualReplicaCount,
  filterActive,
  specReplicas,
  type ReadonlyReplicaSet,
} from "./util/replica-sets.js";

/** `rolloutRecreate`: one step of a Recreate rollout. */
export async function rolloutRecreate(
  ctx: SyncContext,
  state: SyncState,
): Promise<ReconcileResult | undefined> {
  // Not created yet if missing: it must not get pods before the old ones are gone.
  let { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, state, false);

  if (await scaleDownOldReplicaSetsForRecreate(ctx, state, filterActive(oldRSs))) {
    return syncRolloutStatus(ctx, state, newRS);
  }
  if (
    oldPodsRunning(
      newRS,
      oldRSs.map((rs) => state.latest(rs)),
      state.podMap,
    )
  ) {
    // The pod deletions wake us (see the controller's pod handler).
    return syncRolloutStatus(ctx, state, newRS);
  }
  if (!newRS) ({ newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, state, true));
  if (!newRS) throw new Error("no new ReplicaSet after creating it");

  const latest = state.latest(newRS);
  if (specReplicas(latest) !== desiredReplicas(state.d)) {
    await scaleReplicaSet(ctx, state, latest, desiredReplicas(state.d));
  }
  if (deploymentComplete(state.d, state.d.status ?? {})) await cleanupDeployment(ctx, state, oldRSs);
  return syncRolloutStatus(ctx, state, newRS);
}

/** Sets every old ReplicaSet with replicas to 0. True when any was scaled. */
export async function scaleDownOldReplicaSetsForRecreate(
  ctx: SyncContext,
  state: SyncState,
  oldRSs: readonly ReadonlyReplicaSet[],
): Promise<boolean> {
  let scaled = false;
  for (const rs of oldRSs) {
    if (specReplicas(rs) === 0) continue;
    if ((await scaleReplicaSet(ctx, state, rs, 0)).scaled) scaled = true;
  }
  return scaled;
}

/**
 * `oldPodsRunning`: an old ReplicaSet still counts pods, or a pod of one is
 * still around in a non-terminal phase (terminating pods count: they may
 * still be running). Pods that Succeeded or Failed have stopped.
 */
export function oldPodsRunning(
  newRS: ReadonlyReplicaSet | undefined,
  oldRSs: readonly ReadonlyReplicaSet[],
  podMap: ReadonlyMap<string, readonly ReadonlyPod[]>,
): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [rsUid, pods] of podMap) {
    if (newRS !== undefined && newRS.metadata?.uid === rsUid) continue;
    const running = pods.some((pod) => pod.status?.phase !== "Failed" && pod.status?.phase !== "Succeeded");
    if (running) return true;
  }
  return false;
}
