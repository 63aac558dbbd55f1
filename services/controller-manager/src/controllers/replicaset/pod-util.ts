/**
 * Pure helpers about pods and owner references, after Kubernetes'
 * `pkg/api/v1/pod` and `controller_utils.go`. They read cached objects and
 * never change them.
 */
import type { Pod, PodCondition } from "@ktl/api";
import type { DeepReadonly } from "@ktl/informers";

export type ReadonlyPod = DeepReadonly<Pod>;

export { controllerOf } from "@ktl/controller";

/** Not terminal (Succeeded/Failed) and not being deleted: it counts towards the replicas. */
export function isPodActive(pod: ReadonlyPod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && !pod.metadata?.deletionTimestamp;
}

/** The pod's Ready condition, if it has one. */
export function readyCondition(pod: ReadonlyPod): DeepReadonly<PodCondition> | undefined {
  return pod.status?.conditions?.find((c) => c.type === "Ready");
}

/** The Ready condition is True. */
export function isPodReady(pod: ReadonlyPod): boolean {
  return readyCondition(pod)?.status === "True";
}

/**
 * When the pod became ready (ms since the epoch), or undefined when it is not
 * ready or the transition time is unknown.
 */
export function readySinceMs(pod: ReadonlyPod): number | undefined {
  const cond = readyCondition(pod);
  if (cond?.status !== "True" || !cond.lastTransitionTime) return undefined;
  const ms = Date.parse(cond.lastTransitionTime);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * `podutil.IsPodAvailable`: ready, and for longer than `minReadySeconds`
 * (a pod whose ready time is unknown is available only when minReadySeconds is 0).
 */
export function isPodAvailable(pod: ReadonlyPod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = readySinceMs(pod);
  return since !== undefined && since + minReadySeconds * 1000 < nowMs;
}

/** The highest restart count among the pod's containers. */
export function maxContainerRestarts(pod: ReadonlyPod): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) max = Math.max(max, c.restartCount ?? 0);
  return max;
}

/** RFC 3339 with second precision, as the apiserver writes timestamps. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

/** An Error for anything thrown, so it can be rethrown and reported by message. */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
