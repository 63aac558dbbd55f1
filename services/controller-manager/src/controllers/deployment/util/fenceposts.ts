/**
 * How far a rolling update may go above and below the desired replicas
 * (Kubernetes' `ResolveFenceposts`, `MaxSurge`, `MaxUnavailable`):
 * percentages of the replicas, maxSurge rounded up and maxUnavailable rounded
 * down, and when both come to zero, one pod may be unavailable so the rollout
 * can still move.
 */
import type { Deployment, IntOrString } from "@ktl/api";
import type { DeepReadonly } from "@ktl/informers";

export type ReadonlyDeployment = DeepReadonly<Deployment>;

export const ROLLING_UPDATE = "RollingUpdate";
export const RECREATE = "Recreate";

/** `spec.replicas`, with the API's default. */
export function desiredReplicas(d: ReadonlyDeployment): number {
  return d.spec?.replicas ?? 1;
}

export function isRollingUpdate(d: ReadonlyDeployment): boolean {
  return d.spec?.strategy?.type === ROLLING_UPDATE;
}

/**
 * `intstr.GetScaledValueFromIntOrPercent`: a number as it is; "N%" as N% of
 * `total`, rounded up or down. Anything else throws (validation refuses it).
 */
export function scaledValue(value: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === "number") return value;
  const match = /^(\d+)%$/.exec(value);
  if (!match) throw new Error(`invalid value for IntOrString: ${JSON.stringify(value)} is not a percentage`);
  const scaled = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

export interface Fenceposts {
  readonly surge: number;
  readonly unavailable: number;
}

/**
 * `ResolveFenceposts`: maxSurge and maxUnavailable as pod counts for
 * `desired` replicas. Validation refuses both being 0 explicitly, but
 * rounding down can still bring maxUnavailable to 0 (25% of 3); then 1 pod
 * may be unavailable rather than none, on the theory that surging might be
 * impossible (quota).
 */
export function resolveFenceposts(
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
  desired: number,
): Fenceposts {
  const surge = scaledValue(maxSurge, desired, true);
  let unavailable = scaledValue(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

function fenceposts(d: ReadonlyDeployment): Fenceposts {
  const ru = d.spec?.strategy?.rollingUpdate;
  try {
    return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, desiredReplicas(d));
  } catch {
    return { surge: 0, unavailable: 0 }; // caught by validation; as Kubernetes, count nothing
  }
}

/** Pods the rollout may run above the desired replicas; 0 for Recreate. */
export function maxSurge(d: ReadonlyDeployment): number {
  return isRollingUpdate(d) ? fenceposts(d).surge : 0;
}

/** Pods that may be unavailable during the rollout, at most the replicas; 0 for Recreate. */
export function maxUnavailable(d: ReadonlyDeployment): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}

/** Pods that must stay available during a rolling update; 0 for Recreate. */
export function minAvailable(d: ReadonlyDeployment): number {
  return isRollingUpdate(d) ? desiredReplicas(d) - maxUnavailable(d) : 0;
}
