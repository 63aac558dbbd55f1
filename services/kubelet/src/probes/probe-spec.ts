import type { Container, Probe } from "@ktl/api";

/** The three probe kinds, in the order the kubelet gates them (startup first). */
export type ProbeKind = "startup" | "liveness" | "readiness";

export const PROBE_KINDS: readonly ProbeKind[] = ["startup", "liveness", "readiness"];

/** A probe with Kubernetes' defaults applied (seconds as milliseconds). */
export interface ProbeTiming {
  readonly initialDelayMs: number;
  readonly periodMs: number;
  readonly timeoutMs: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

/** The container's probe of that kind, if it has one. */
export function probeOf(container: Container, kind: ProbeKind): Probe | undefined {
  if (kind === "startup") return container.startupProbe;
  if (kind === "liveness") return container.livenessProbe;
  return container.readinessProbe;
}

/**
 * Kubernetes' defaults (periodSeconds 10, timeoutSeconds 1, successThreshold
 * 1, failureThreshold 3). Validation already requires successThreshold 1 for
 * liveness and startup probes; it is forced here too, so an object written
 * around validation cannot make a liveness probe need two successes.
 */
export function probeTiming(probe: Probe, kind: ProbeKind): ProbeTiming {
  const positive = (value: number | undefined, fallback: number): number =>
    value !== undefined && value > 0 ? value : fallback;
  return {
    initialDelayMs: Math.max(0, probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: positive(probe.periodSeconds, 10) * 1000,
    timeoutMs: positive(probe.timeoutSeconds, 1) * 1000,
    successThreshold: kind === "readiness" ? positive(probe.successThreshold, 1) : 1,
    failureThreshold: positive(probe.failureThreshold, 3),
  };
}
