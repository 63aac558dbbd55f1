import type { Pod } from "@ktl/api";

/** A running container as the pod workers report it to the prober. */
export interface RunningContainer {
  readonly name: string;
  /** The runtime's container id (without the `containerd://` scheme). */
  readonly id: string;
  /** When it started, in milliseconds since the epoch. */
  readonly startedAt: number;
}

/**
 * What the pod workers need from probing. Implemented by the probe manager
 * (src/probes). All methods are synchronous reads of the prober's latest
 * results, so a pod sync never waits for a probe.
 */
export interface ProbeResults {
  /** Readiness of a running container by runtime container id: true without a readiness probe; false until the first success otherwise. */
  isReady(containerId: string): boolean;
  /** Startup probe passed (or none): liveness/readiness only count after this. */
  isStarted(containerId: string): boolean;
  /**
   * Set when the liveness or startup probe failed failureThreshold times: the
   * message for the kill ("Container web failed liveness probe, will be
   * restarted"). Cleared when that container id goes away.
   */
  unhealthy(containerId: string): string | undefined;
  /**
   * After each sync: the pod and its running containers, and its IP; starts
   * and stops probe workers as needed. Called before the pod's status is
   * generated, so results for new containers are answered correctly.
   */
  updatePod(pod: Pod, running: readonly RunningContainer[], podIp: string | undefined): void;
  /** The pod is gone from the node: stop its workers and forget its results. */
  removePod(podUid: string): void;
  /** Called by the manager when a result changes, so the pod is synced again. */
  onChange(listener: (podUid: string) => void): void;
}

/** No probing at all (every container ready, started, healthy): for tests and hollow nodes that skip probes. */
export const NO_PROBES: ProbeResults = {
  isReady: () => true,
  isStarted: () => true,
  unhealthy: () => undefined,
  updatePod: () => undefined,
  removePod: () => undefined,
  onChange: () => undefined,
};
