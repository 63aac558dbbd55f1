/**
 * Deployment conditions (Kubernetes' `deployment_util.go`): Available says
 * whether the minimum number of pods is available, Progressing whether the
 * rollout is moving, done, or stuck past its deadline, ReplicaFailure
 * carries a ReplicaSet's failure to create or delete pods.
 */
import type { DeploymentCondition, DeploymentStatus, ReplicaSetCondition } from "@ktl/api";
import type { DeepReadonly } from "@ktl/informers";
import { desiredReplicas, type ReadonlyDeployment } from "./fenceposts.js";

export const AVAILABLE = "Available";
export const PROGRESSING = "Progressing";
export const REPLICA_FAILURE = "ReplicaFailure";

/** The reasons Kubernetes gives, which `kubectl rollout status` and users match on. */
export const Reason = {
  /** Progressing: a new ReplicaSet was created. */
  NewReplicaSetCreated: "NewReplicaSetCreated",
  /** Progressing: an existing ReplicaSet was found to be the new one. */
  FoundNewReplicaSet: "FoundNewReplicaSet",
  /** Progressing: pods moved from old to new. */
  ReplicaSetUpdated: "ReplicaSetUpdated",
  /** Progressing: the rollout is complete. */
  NewReplicaSetAvailable: "NewReplicaSetAvailable",
  /** Progressing False: nothing moved for progressDeadlineSeconds. */
  ProgressDeadlineExceeded: "ProgressDeadlineExceeded",
  /** Progressing False: the new ReplicaSet could not be created. */
  ReplicaSetCreateError: "ReplicaSetCreateError",
  /** Progressing Unknown: paused, so no deadline runs. */
  DeploymentPaused: "DeploymentPaused",
  /** Progressing Unknown: resumed, the deadline starts over. */
  DeploymentResumed: "DeploymentResumed",
  MinimumReplicasAvailable: "MinimumReplicasAvailable",
  MinimumReplicasUnavailable: "MinimumReplicasUnavailable",
} as const;

/** `progressDeadlineSeconds` is MaxInt32 when the user wants no deadline. */
const NO_DEADLINE = 2147483647;

/** RFC 3339 with second precision, as the apiserver writes timestamps. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

export function newCondition(options: {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  readonly nowMs: number;
}): DeploymentCondition {
  const now = rfc3339(options.nowMs);
  return {
    type: options.type,
    status: options.status,
    lastUpdateTime: now,
    lastTransitionTime: now,
    reason: options.reason,
    message: options.message,
  };
}

export function getCondition(
  status: DeepReadonly<DeploymentStatus> | undefined,
  type: string,
): DeepReadonly<DeploymentCondition> | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * `SetDeploymentCondition`: replaces the condition of the same type unless
 * it already has the same status and reason (then nothing changes, not even
 * lastUpdateTime); the transition time is kept while the status stays.
 */
export function setCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getCondition(status, condition.type ?? "");
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

/** A ReplicaSet's ReplicaFailure as the Deployment's. */
export function replicaSetToDeploymentCondition(c: DeepReadonly<ReplicaSetCondition>): DeploymentCondition {
  return {
    type: c.type,
    status: c.status,
    lastUpdateTime: c.lastTransitionTime,
    lastTransitionTime: c.lastTransitionTime,
    reason: c.reason,
    message: c.message,
  };
}

export function hasProgressDeadline(d: ReadonlyDeployment): boolean {
  const deadline = d.spec?.progressDeadlineSeconds;
  return deadline !== undefined && deadline !== NO_DEADLINE;
}

export function hasRevisionHistoryLimit(d: ReadonlyDeployment): boolean {
  const limit = d.spec?.revisionHistoryLimit;
  return limit !== undefined && limit !== NO_DEADLINE;
}

/** `DeploymentComplete`: every replica is updated and available, and the latest spec was seen. */
export function deploymentComplete(d: ReadonlyDeployment, status: DeepReadonly<DeploymentStatus>): boolean {
  const replicas = desiredReplicas(d);
  return (
    (status.updatedReplicas ?? 0) === replicas &&
    (status.replicas ?? 0) === replicas &&
    (status.availableReplicas ?? 0) === replicas &&
    (status.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
  );
}

/**
 * `DeploymentProgressing`: compared with the status on record, more pods
 * are updated, fewer old ones are left, or more are ready or available.
 */
export function deploymentProgressing(d: ReadonlyDeployment, next: DeepReadonly<DeploymentStatus>): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const nextOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (
    (next.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    nextOld < oldOld ||
    (next.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/**
 * The instant (ms) after which a rollout whose last progress is recorded in
 * `condition` has passed its deadline. Condition times have second
 * precision and are truncated, so the progress happened up to a second
 * after the recorded time; the deadline counts from the end of that second,
 * so it never fires early (Kubernetes counts from the truncated time and
 * may fire up to a second early).
 */
export function progressDeadlineAt(
  d: ReadonlyDeployment,
  condition: DeepReadonly<DeploymentCondition>,
): number | undefined {
  const from = Date.parse(condition.lastUpdateTime ?? "");
  if (Number.isNaN(from)) return undefined;
  return from + 1000 + (d.spec?.progressDeadlineSeconds ?? 0) * 1000;
}

/**
 * `DeploymentTimedOut`: no progress for progressDeadlineSeconds since the
 * Progressing condition's lastUpdateTime. A completed rollout never times
 * out; one that timed out stays so.
 */
export function deploymentTimedOut(
  d: ReadonlyDeployment,
  status: DeepReadonly<DeploymentStatus>,
  nowMs: number,
): boolean {
  if (!hasProgressDeadline(d)) return false;
  const condition = getCondition(status, PROGRESSING);
  if (!condition) return false;
  if (condition.reason === Reason.NewReplicaSetAvailable) return false;
  if (condition.reason === Reason.ProgressDeadlineExceeded) return true;
  const deadlineAt = progressDeadlineAt(d, condition);
  return deadlineAt !== undefined && deadlineAt < nowMs;
}
