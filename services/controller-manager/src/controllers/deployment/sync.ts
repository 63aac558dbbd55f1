/**
 * The parts of a Deployment sync that do not depend on the strategy
 * (Kubernetes' `sync.go`; the new ReplicaSet and revisions are in
 * `new-replica-set.ts`): scaling (proportionally while a rollout is
 * under way), cleaning up old ReplicaSets beyond revisionHistoryLimit, the
 * paused conditions, and the status.
 */
import { KINDS, referenceTo } from "@ktl/events";
import type { DeploymentStatus } from "@ktl/api";
import { isNotFound } from "@ktl/apimachinery";
import { cloneStatus, getAllReplicaSetsAndSyncRevision, progressing } from "./new-replica-set.js";
import type { SyncContext, SyncState } from "./state.js";
import { desiredReplicasAnnotation, revisionOf, setReplicasAnnotations } from "./util/annotations.js";
import {
  AVAILABLE,
  PROGRESSING,
  Reason,
  getCondition,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  newCondition,
  setCondition,
} from "./util/conditions.js";
import {
  desiredReplicas,
  isRollingUpdate,
  maxSurge,
  maxUnavailable,
  type ReadonlyDeployment,
} from "./util/fenceposts.js";
import {
  actualReplicaCount,
  availableReplicaCount,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  filterActive,
  findActiveOrLatest,
  getProportion,
  isSaturated,
  readyReplicaCount,
  replicaCount,
  specReplicas,
  type ReadonlyReplicaSet,
} from "./util/replica-sets.js";

export { getAllReplicaSetsAndSyncRevision } from "./new-replica-set.js";

/**
 * `scaleReplicaSetAndRecordEvent` / `scaleReplicaSet`: sets the ReplicaSet's
 * replicas and the Deployment size it was sized for. `scaled` is true when
 * the replicas changed (an annotation-only write does not count).
 */
export async function scaleReplicaSet(
  ctx: SyncContext,
  state: SyncState,
  rs: ReadonlyReplicaSet,
  replicas: number,
): Promise<{ scaled: boolean; rs: ReadonlyReplicaSet }> {
  const { d } = state;
  const from = specReplicas(rs);
  const desired = desiredReplicas(d);
  const written = await ctx.control.updateReplicaSet(rs, (next) => {
    next.spec = { ...next.spec, replicas };
    setReplicasAnnotations(next, desired, desired + maxSurge(d));
  });
  if (written.outcome === "unchanged") return { scaled: false, rs };
  state.track(written.obj);
  const scaled = from !== replicas;
  if (scaled) {
    ctx.log.info(`scaled ${from < replicas ? "up" : "down"} replica set`, {
      deployment: `${d.metadata?.namespace}/${d.metadata?.name}`,
      replicaSet: rs.metadata?.name,
      from,
      to: replicas,
    });
    ctx.recorder?.event(
      referenceTo(d, KINDS.Deployment),
      "Normal",
      "ScalingReplicaSet",
      "Scaled %s replica set %s to %d from %d",
      from < replicas ? "up" : "down",
      rs.metadata?.name ?? "",
      replicas,
      from,
    );
  }
  return { scaled, rs: written.obj };
}

/** `sync`: scaling and status only, for a paused Deployment or a scaling event. */
export async function sync(ctx: SyncContext, state: SyncState): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, state, false);
  await scale(ctx, state, newRS, oldRSs);
  // A paused Deployment makes no rollout progress, so this is its only cleanup.
  if (state.d.spec?.paused) await cleanupDeployment(ctx, state, oldRSs);
  await syncDeploymentStatus(ctx, state, newRS);
}

/** `syncStatusOnly`: a Deployment being deleted only reports. */
export async function syncStatusOnly(ctx: SyncContext, state: SyncState): Promise<void> {
  const { newRS } = await getAllReplicaSetsAndSyncRevision(ctx, state, false);
  await syncDeploymentStatus(ctx, state, newRS);
}

/**
 * `scale`: brings the ReplicaSets' total to the Deployment's size. One
 * active ReplicaSet (or none) simply gets every replica; a saturated new
 * one means the old ones go to 0; otherwise, mid-rollout, the difference
 * between the allowed total (replicas + maxSurge) and the current one is
 * shared out in proportion to each ReplicaSet's size, largest first (newer
 * first when scaling up, older first when scaling down), and what rounding
 * leaves over goes to the largest.
 */
export async function scale(
  ctx: SyncContext,
  state: SyncState,
  newRS: ReadonlyReplicaSet | undefined,
  oldRSs: readonly ReadonlyReplicaSet[],
): Promise<void> {
  const { d } = state;
  const replicas = desiredReplicas(d);
  const only = findActiveOrLatest(newRS, oldRSs);
  if (only) {
    if (specReplicas(only) !== replicas) await scaleReplicaSet(ctx, state, only, replicas);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of filterActive(oldRSs)) await scaleReplicaSet(ctx, state, old, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;

  const active = filterActive([...oldRSs, newRS]);
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - replicaCount(active);
  if (toAdd > 0) active.sort(bySizeNewer);
  else if (toAdd < 0) active.sort(bySizeOlder);

  let added = 0;
  const sizes = active.map((rs) => {
    if (toAdd === 0) return specReplicas(rs);
    const proportion = getProportion({ rs, d, toAdd, added });
    added += proportion;
    return specReplicas(rs) + proportion;
  });
  const first = sizes[0];
  if (toAdd !== 0 && first !== undefined) sizes[0] = Math.max(first + toAdd - added, 0);
  for (const [i, rs] of active.entries()) {
    // Stops at the first failure: the pass is retried and recomputes the shares.
    await scaleReplicaSet(ctx, state, rs, sizes[i] ?? specReplicas(rs));
  }
}

/**
 * `cleanupDeployment`: deletes the oldest old ReplicaSets beyond
 * revisionHistoryLimit — only those with no replicas wanted or running,
 * whose last change their controller has seen, and not already going.
 */
export async function cleanupDeployment(
  ctx: SyncContext,
  state: SyncState,
  oldRSs: readonly ReadonlyReplicaSet[],
): Promise<void> {
  const { d } = state;
  if (!hasRevisionHistoryLimit(d)) return;
  const cleanable = oldRSs.map((rs) => state.latest(rs)).filter((rs) => !rs.metadata?.deletionTimestamp);
  const diff = cleanable.length - (d.spec?.revisionHistoryLimit ?? 0);
  if (diff <= 0) return;
  cleanable.sort(byRevision);
  for (const rs of cleanable.slice(0, diff)) {
    if (
      (rs.status?.replicas ?? 0) !== 0 ||
      specReplicas(rs) !== 0 ||
      (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)
    ) {
      continue;
    }
    ctx.log.info("deleting old ReplicaSet beyond revisionHistoryLimit", {
      deployment: `${d.metadata?.namespace}/${d.metadata?.name}`,
      replicaSet: rs.metadata?.name,
      revision: revisionOf(rs),
    });
    try {
      await ctx.control.deleteReplicaSet(rs);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    state.forget(rs);
  }
}

/**
 * `calculateStatus`: the counts `kubectl rollout status` reads, summed over
 * the ReplicaSets' own statuses, and the Available condition: True while at
 * least replicas − maxUnavailable pods are available.
 */
export function calculateStatus(options: {
  readonly d: ReadonlyDeployment;
  readonly allRSs: readonly (ReadonlyReplicaSet | undefined)[];
  readonly newRS: ReadonlyReplicaSet | undefined;
  readonly nowMs: number;
}): DeploymentStatus {
  const { d, allRSs, newRS, nowMs } = options;
  const available = availableReplicaCount(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    // More available than wanted (while scaling down) is not "negative unavailable".
    unavailableReplicas: Math.max(replicaCount(allRSs) - available, 0),
    conditions: structuredClone(d.status?.conditions ?? []) as DeploymentStatus["conditions"],
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  const ok = available >= desiredReplicas(d) - maxUnavailable(d);
  const condition = newCondition({
    type: AVAILABLE,
    status: ok ? "True" : "False",
    reason: ok ? Reason.MinimumReplicasAvailable : Reason.MinimumReplicasUnavailable,
    message: ok ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
    nowMs,
  });
  setCondition(status, condition);
  return status;
}

/** `syncDeploymentStatus`: writes the status computed from the ReplicaSets, if it changed. */
export async function syncDeploymentStatus(
  ctx: SyncContext,
  state: SyncState,
  newRS: ReadonlyReplicaSet | undefined,
): Promise<void> {
  const status = calculateStatus({
    d: state.d,
    allRSs: state.rsList,
    newRS: state.latest(newRS),
    nowMs: ctx.now(),
  });
  await ctx.control.updateDeploymentStatus(state.d, status);
}

/**
 * `isScalingEvent`: some active ReplicaSet was sized for another Deployment
 * size than the current one — the replicas changed, not the template.
 */
export async function isScalingEvent(ctx: SyncContext, state: SyncState): Promise<boolean> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, state, false);
  const replicas = desiredReplicas(state.d);
  return filterActive([...oldRSs, state.latest(newRS)]).some((rs) => {
    const desired = desiredReplicasAnnotation(rs);
    return desired !== undefined && desired !== replicas;
  });
}

/**
 * `checkPausedConditions`: pausing and resuming set Progressing to Unknown,
 * so the time spent paused never counts against progressDeadlineSeconds.
 * A timed-out rollout keeps saying so.
 */
export async function checkPausedConditions(ctx: SyncContext, state: SyncState): Promise<void> {
  const { d } = state;
  if (!hasProgressDeadline(d)) return;
  const current = getCondition(d.status, PROGRESSING);
  if (current?.reason === Reason.ProgressDeadlineExceeded) return;
  const pausedCondition = current?.reason === Reason.DeploymentPaused;
  const status = cloneStatus(state);
  if (d.spec?.paused && !pausedCondition) {
    setCondition(status, progressing("Unknown", Reason.DeploymentPaused, "Deployment is paused", ctx.now()));
  } else if (!d.spec?.paused && pausedCondition) {
    setCondition(
      status,
      progressing("Unknown", Reason.DeploymentResumed, "Deployment is resumed", ctx.now()),
    );
  } else {
    return;
  }
  await ctx.control.updateDeploymentStatus(d, status);
}
