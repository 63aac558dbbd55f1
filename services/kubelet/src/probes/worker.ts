import type { Container, Probe } from "@ktl/api";
import type { ProbeOutcome } from "./outcome.js";
import { probeTiming, type ProbeKind, type ProbeTiming } from "./probe-spec.js";
import type { ProbeRunner } from "./run-probe.js";
import type { TimerHandle, TimerQueue } from "./timer-queue.js";

/** A probe kind's standing verdict on one container instance. */
export type ProbeResult = "success" | "failure" | "unknown";

/** Before the first decisive run: not ready, alive, not started (Kubernetes' initial values). */
const INITIAL: Record<ProbeKind, ProbeResult> = {
  readiness: "failure",
  liveness: "success",
  startup: "unknown",
};

/** What a worker needs from its manager. */
export interface WorkerHost {
  readonly timers: TimerQueue;
  readonly run: ProbeRunner;
  /** The pod's current IP (it may arrive after the container started). */
  podIp(): string | undefined;
  /** Whether the container's startup probe passed (true without one). */
  started(): boolean;
  /** The worker's result changed. */
  changed(worker: ProbeWorker): void;
  /** Counts one run by kind and outcome, for /metrics. */
  count(kind: ProbeKind, result: ProbeOutcome["result"]): void;
  /** Hears every run's outcome (for Unhealthy events). */
  ran?(worker: ProbeWorker, outcome: ProbeOutcome): void;
}

/**
 * Probes one container instance with one of its probes, every periodSeconds
 * from startedAt + initialDelaySeconds, and keeps the verdict: a result
 * flips after successThreshold / failureThreshold identical runs in a row.
 * Liveness and readiness wait until the startup probe passed; the startup
 * worker stops once it did. A failed liveness or startup verdict holds the
 * worker (the container is about to be killed; a restart is a new instance
 * with a new worker). Runs never overlap: a slow probe delays the next.
 */
export class ProbeWorker {
  result: ProbeResult;
  /** Output of the last run, for the kill message and events. */
  lastOutput = "";
  private readonly timing: ProbeTiming;
  private lastRun: "success" | "failure" | undefined;
  private streak = 0;
  private onHold = false;
  private stopped = false;
  private inFlight = false;
  private timer: TimerHandle | undefined;

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: Probe,
    private readonly target: { container: Container; containerId: string },
    private readonly host: WorkerHost,
  ) {
    this.result = INITIAL[kind];
    this.timing = probeTiming(probe, kind);
  }

  /** Schedules the first run: not before startedAt + initialDelay, nor before `notBefore`. */
  start(startedAt: number, notBefore: number): void {
    this.schedule(Math.max(startedAt + this.timing.initialDelayMs, notBefore));
  }

  /** Probes at once (e.g. readiness right after the startup probe passed). */
  trigger(): void {
    if (!this.inFlight) this.schedule(this.host.timers.clock.now());
  }

  /** A pod being deleted: liveness and startup pass and stop, so shutdown is not disturbed by a kill. */
  passAndStop(): void {
    this.stop();
    if (this.result !== "success") {
      this.result = "success";
      this.host.changed(this);
    }
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private schedule(due: number): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timer = this.host.timers.schedule(due, () => this.tick());
  }

  private tick(): void {
    this.timer = undefined;
    if (this.stopped || this.onHold || this.inFlight) return;
    const now = this.host.timers.clock.now();
    if (this.kind === "startup" && this.result === "success") return;
    if (this.kind !== "startup" && !this.host.started()) {
      // Gated: look again next period (the startup worker also triggers us when it passes).
      this.schedule(now + this.timing.periodMs);
      return;
    }
    this.inFlight = true;
    const target = { ...this.target, podIp: this.host.podIp(), timeoutMs: this.timing.timeoutMs };
    this.host.run(this.probe, target).then(
      (outcome) => this.finish(now, outcome),
      (err: unknown) => this.finish(now, { result: "error", output: String(err) }),
    );
  }

  private finish(startedRun: number, outcome: ProbeOutcome): void {
    this.inFlight = false;
    if (this.stopped) return;
    this.host.count(this.kind, outcome.result);
    this.host.ran?.(this, outcome);
    this.record(outcome);
    if (!this.onHold && !(this.kind === "startup" && this.result === "success")) {
      this.schedule(Math.max(startedRun + this.timing.periodMs, this.host.timers.clock.now()));
    }
  }

  private record(outcome: ProbeOutcome): void {
    // A run that could not probe at all is thrown away.
    if (outcome.result === "error") return;
    this.lastOutput = outcome.output;
    if (outcome.result === this.lastRun) this.streak++;
    else {
      this.lastRun = outcome.result;
      this.streak = 1;
    }
    const threshold =
      outcome.result === "failure" ? this.timing.failureThreshold : this.timing.successThreshold;
    if (this.streak < threshold) return;
    const previous = this.result;
    this.result = outcome.result;
    if (this.kind !== "readiness" && outcome.result === "failure") {
      this.onHold = true;
      this.streak = 0;
    }
    if (previous !== this.result) this.host.changed(this);
  }
}
