/**
 * Which pods a ReplicaSet deletes first when it has too many, after
 * Kubernetes' `ActivePodsWithRanks` (controller_utils.go) and
 * `getPodsToDelete` (replica_set.go): the pods that cost the least to lose —
 * not yet scheduled, not yet running, not ready, crash-looping, young — go
 * first, so scaling down keeps the pods that serve.
 */
import { isPodActive, isPodReady, maxContainerRestarts, readySinceMs, type ReadonlyPod } from "./pod-util.js";

/** Kubernetes' annotation through which a user makes a pod cheaper or dearer to delete. */
export const POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

/** A pod with its rank: how many active related pods share its node (more = delete first). */
export interface RankedPod {
  readonly pod: ReadonlyPod;
  readonly rank: number;
}

/** The pod-deletion-cost annotation as an int32; absent or malformed is 0. */
export function deletionCost(pod: ReadonlyPod): number {
  const text = pod.metadata?.annotations?.[POD_DELETION_COST];
  if (text === undefined || !/^[+-]?\d+$/.test(text.trim())) return 0;
  const value = Number(text.trim());
  return value >= -(2 ** 31) && value < 2 ** 31 ? value : 0;
}

function phaseOrdinal(pod: ReadonlyPod): number {
  // Kubernetes' map lookup gives 0 for any other phase, i.e. ranks it with Pending.
  return PHASE_ORDINAL[pod.status?.phase ?? ""] ?? 0;
}

/** Orders two optional times "empty, then later, then earlier": the empty or newer one first. */
function afterOrZero(a: number | undefined, b: number | undefined): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined || b === undefined) return a === undefined ? -1 : 1;
  return b - a;
}

function createdMs(pod: ReadonlyPod): number | undefined {
  const ts = pod.metadata?.creationTimestamp;
  const ms = ts ? Date.parse(ts) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Negative when `a` should be deleted before `b` (`ActivePodsWithRanks.Less`):
 * 1. unscheduled before scheduled;
 * 2. Pending before Unknown before Running;
 * 3. not ready before ready;
 * 4. lower pod-deletion-cost before higher;
 * 5. more related pods on the same node before fewer (spreads what is left);
 * 6. ready for less time before ready for longer;
 * 7. more container restarts before fewer;
 * 8. newer before older.
 * Times are compared exactly: Kubernetes' LogarithmicScaleDown bucketing
 * exists to randomise among similar pods, and a deterministic order is
 * worth more here (tests and operators can predict it).
 */
export function compareForDeletion(a: RankedPod, b: RankedPod): number {
  const nodeA = a.pod.spec?.nodeName ?? "";
  const nodeB = b.pod.spec?.nodeName ?? "";
  if (nodeA !== nodeB && (nodeA === "" || nodeB === "")) return nodeA === "" ? -1 : 1;

  const phase = phaseOrdinal(a.pod) - phaseOrdinal(b.pod);
  if (phase !== 0) return phase;

  const readyA = isPodReady(a.pod);
  const readyB = isPodReady(b.pod);
  if (readyA !== readyB) return readyA ? 1 : -1;

  const cost = deletionCost(a.pod) - deletionCost(b.pod);
  if (cost !== 0) return cost;

  if (a.rank !== b.rank) return b.rank - a.rank;

  if (readyA && readyB) {
    const since = afterOrZero(readySinceMs(a.pod), readySinceMs(b.pod));
    if (since !== 0) return since;
  }

  const restarts = maxContainerRestarts(b.pod) - maxContainerRestarts(a.pod);
  if (restarts !== 0) return restarts;

  return afterOrZero(createdMs(a.pod), createdMs(b.pod));
}

/**
 * Ranks each of `pods` by the number of active `related` pods (those of every
 * ReplicaSet with the same controller, e.g. all of a Deployment's) on its node
 * (`getPodsRankedByRelatedPodsOnSameNode`).
 */
export function rankByColocation(pods: readonly ReadonlyPod[], related: readonly ReadonlyPod[]): RankedPod[] {
  const onNode = new Map<string, number>();
  for (const pod of related) {
    if (!isPodActive(pod)) continue;
    const node = pod.spec?.nodeName ?? "";
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  return pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? "") ?? 0 }));
}

/** The `count` pods of `pods` to delete first (`getPodsToDelete`). */
export function podsToDelete(options: {
  pods: readonly ReadonlyPod[];
  related: readonly ReadonlyPod[];
  count: number;
}): ReadonlyPod[] {
  const { pods, related, count } = options;
  if (count >= pods.length) return [...pods];
  return rankByColocation(pods, related)
    .sort(compareForDeletion)
    .slice(0, count)
    .map((r) => r.pod);
}
