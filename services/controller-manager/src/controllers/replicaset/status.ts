/**
 * A ReplicaSet's status from the pods it owns (Kubernetes'
 * `replica_set_utils.go`): pure functions, so the numbers can be tested
 * without a cluster.
 */
import type { ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from "@ktl/api";
import { selectorFromSet } from "@ktl/apimachinery";
import type { DeepReadonly } from "@ktl/informers";
import { isPodAvailable, isPodReady, readySinceMs, rfc3339, type ReadonlyPod } from "./pod-util.js";

/** The condition a ReplicaSet carries while it fails to create or delete pods. */
export const REPLICA_FAILURE = "ReplicaFailure";

export interface StatusInput {
  readonly rs: DeepReadonly<ReplicaSet>;
  /** The active pods the ReplicaSet owns, after adoption and release. */
  readonly pods: readonly ReadonlyPod[];
  /** Why creating or deleting pods failed in this pass, if it did. */
  readonly manageError?: Error;
  readonly nowMs: number;
}

/**
 * `calculateStatus`: replicas, fullyLabeledReplicas (pods carrying every
 * template label), readyReplicas, availableReplicas (ready for longer than
 * minReadySeconds), observedGeneration, and the ReplicaFailure condition —
 * set when creates or deletes fail, kept as it was while they keep failing
 * (so its lastTransitionTime means something), removed once they succeed.
 */
export function calculateStatus(input: StatusInput): ReplicaSetStatus {
  const { rs, pods, manageError, nowMs } = input;
  const template = selectorFromSet(rs.spec?.template?.metadata?.labels);
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (template.matches(pod.metadata?.labels)) fullyLabeled++;
    if (!isPodReady(pod)) continue;
    ready++;
    if (isPodAvailable(pod, minReadySeconds, nowMs)) available++;
  }

  let conditions = (rs.status?.conditions ?? []).map((c): ReplicaSetCondition => ({ ...c }));
  const failing = conditions.some((c) => c.type === REPLICA_FAILURE);
  if (manageError !== undefined && !failing) {
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    conditions.push({
      type: REPLICA_FAILURE,
      status: "True",
      lastTransitionTime: rfc3339(nowMs),
      reason: diff < 0 ? "FailedCreate" : diff > 0 ? "FailedDelete" : "",
      message: manageError.message,
    });
  } else if (manageError === undefined && failing) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }

  const status: ReplicaSetStatus = {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata?.generation ?? 0,
  };
  if (conditions.length > 0) status.conditions = conditions;
  return status;
}

/**
 * Whether two statuses say the same thing. Zero counts and an empty
 * condition list equal absent ones: the apiserver starts a ReplicaSet at
 * `{ replicas: 0 }`, and rewriting that as all zeros would be a write that
 * changes nothing.
 */
export function statusEqual(
  a: DeepReadonly<ReplicaSetStatus> | undefined,
  b: DeepReadonly<ReplicaSetStatus> | undefined,
): boolean {
  const counts = [
    "replicas",
    "fullyLabeledReplicas",
    "readyReplicas",
    "availableReplicas",
    "observedGeneration",
  ] as const;
  for (const field of counts) if ((a?.[field] ?? 0) !== (b?.[field] ?? 0)) return false;
  const ca = a?.conditions ?? [];
  const cb = b?.conditions ?? [];
  return ca.length === cb.length && ca.every((c, i) => conditionEqual(c, cb[i]));
}

function conditionEqual(
  a: DeepReadonly<ReplicaSetCondition>,
  b: DeepReadonly<ReplicaSetCondition> | undefined,
): boolean {
  return (
    b !== undefined &&
    (a.type ?? "") === (b.type ?? "") &&
    (a.status ?? "") === (b.status ?? "") &&
    (a.reason ?? "") === (b.reason ?? "") &&
    (a.message ?? "") === (b.message ?? "") &&
    (a.lastTransitionTime ?? "") === (b.lastTransitionTime ?? "")
  );
}

/**
 * How long until the next ready pod becomes available (ms), so the
 * ReplicaSet is reconciled then and availableReplicas does not wait for some
 * unrelated event; undefined when no pod is waiting out minReadySeconds.
 */
export function nextAvailableInMs(
  rs: DeepReadonly<ReplicaSet>,
  pods: readonly ReadonlyPod[],
  nowMs: number,
): number | undefined {
  const minReadyMs = (rs.spec?.minReadySeconds ?? 0) * 1000;
  if (minReadyMs <= 0) return undefined;
  let next: number | undefined;
  for (const pod of pods) {
    const since = readySinceMs(pod);
    if (since === undefined) continue;
    const wait = since + minReadyMs - nowMs;
    // Availability is "ready since strictly before now - minReady": at wait 0 it is not yet.
    if (wait >= 0) next = Math.min(next ?? Infinity, wait);
  }
  return next;
}
