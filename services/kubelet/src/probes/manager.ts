import type { Pod } from "@ktl/api";
import { containerReference, type PodEventRecorder } from "../pods/pod-events.js";
import type { ProbeResults, RunningContainer } from "../pods/probe-results.js";
import type { ProbeExecutor } from "./exec-probe.js";
import { ProbeMetrics } from "./metrics.js";
import { PROBE_KINDS, probeOf, type ProbeKind } from "./probe-spec.js";
import { probeRunner, type ProbeRunner } from "./run-probe.js";
import { SYSTEM_CLOCK, TimerQueue } from "./timer-queue.js";
import { ProbeWorker, type WorkerHost } from "./worker.js";

export interface ProbeManagerOptions {
  /** Runs exec probes; the runtime. */
  readonly runtime: ProbeExecutor;
  /** Shared timers (one per process is enough); a new one on the system clock by default. */
  readonly timers?: TimerQueue;
  /** Replaces the real exec/httpGet/tcpSocket handlers (tests). */
  readonly runner?: ProbeRunner;
  /** [0, 1); spreads first runs after a kubelet restart. */
  readonly random?: () => number;
  /** Run counters, shared by the managers of one process; a new one by default. */
  readonly metrics?: ProbeMetrics;
  /** Records Unhealthy events (Warning "Liveness probe failed: …") on the probed containers; none without. */
  readonly recorder?: PodEventRecorder;
}

/** One running container instance and its probe workers. */
interface Instance {
  readonly id: string;
  readonly podUid: string;
  readonly name: string;
  readonly workers: Map<ProbeKind, ProbeWorker>;
}

interface PodEntry {
  podIp: string | undefined;
  /** The pod as last given to updatePod (for events). */
  pod: Pod;
  readonly instances: Map<string, Instance>;
}

/**
 * The kubelet's prober (implements the pod manager's ProbeResults): one
 * worker per running container instance and probe kind, all on one
 * TimerQueue. The pod manager tells it which instances run (`updatePod`) and
 * reads the verdicts; `onChange` listeners hear the pod's UID whenever a
 * verdict changed, so the pod's status can be recomputed.
 *
 * Container IDs never passed to `updatePod` are answered as having no probes
 * (ready, started, healthy).
 */
export class ProbeManager implements ProbeResults {
  private readonly pods = new Map<string, PodEntry>();
  private readonly instances = new Map<string, Instance>();
  private readonly listeners: ((podUid: string) => void)[] = [];
  private readonly timers: TimerQueue;
  private readonly ownsTimers: boolean;
  private readonly run: ProbeRunner;
  private readonly random: () => number;
  private readonly startedAt: number;
  readonly metrics: ProbeMetrics;
  private readonly recorder: PodEventRecorder | undefined;

  constructor(options: ProbeManagerOptions) {
    this.ownsTimers = options.timers === undefined;
    this.timers = options.timers ?? new TimerQueue(SYSTEM_CLOCK);
    this.run = options.runner ?? probeRunner(options.runtime);
    this.random = options.random ?? Math.random;
    this.startedAt = this.timers.clock.now();
    this.metrics = options.metrics ?? new ProbeMetrics();
    this.recorder = options.recorder;
  }

  isReady(containerId: string): boolean {
    const instance = this.instances.get(containerId);
    if (!instance) return true;
    if (!this.isStarted(containerId)) return false;
    const readiness = instance.workers.get("readiness");
    return !readiness || readiness.result === "success";
  }

  isStarted(containerId: string): boolean {
    const startup = this.instances.get(containerId)?.workers.get("startup");
    return !startup || startup.result === "success";
  }

  unhealthy(containerId: string): string | undefined {
    const instance = this.instances.get(containerId);
    if (!instance) return undefined;
    for (const kind of ["liveness", "startup"] as const) {
      if (instance.workers.get(kind)?.result === "failure") {
        return `Container ${instance.name} failed ${kind} probe, will be restarted`;
      }
    }
    return undefined;
  }

  /** The last output of a probe (e.g. "HTTP probe failed with statuscode: 500"), for events. */
  lastOutput(containerId: string, kind: ProbeKind): string | undefined {
    return this.instances.get(containerId)?.workers.get(kind)?.lastOutput;
  }

  updatePod(pod: Pod, running: readonly RunningContainer[], podIp: string | undefined): void {
    const uid = pod.metadata?.uid ?? "";
    let entry = this.pods.get(uid);
    if (!entry) {
      entry = { podIp, pod, instances: new Map() };
      this.pods.set(uid, entry);
    }
    entry.podIp = podIp;
    entry.pod = pod;
    const live = new Set(running.map((r) => r.id));
    for (const [id, instance] of entry.instances) {
      if (!live.has(id)) this.drop(entry, instance);
    }
    const deleting = pod.metadata?.deletionTimestamp !== undefined;
    for (const r of running) {
      let instance = entry.instances.get(r.id);
      if (!instance) {
        const container = pod.spec?.containers?.find((c) => c.name === r.name);
        if (!container) continue;
        instance = this.add({ entry, uid, container, running: r });
      }
      if (deleting) {
        instance.workers.get("liveness")?.passAndStop();
        instance.workers.get("startup")?.passAndStop();
      }
    }
    if (entry.instances.size === 0 && running.length === 0) this.pods.delete(uid);
  }

  removePod(podUid: string): void {
    const entry = this.pods.get(podUid);
    if (!entry) return;
    for (const instance of entry.instances.values()) this.drop(entry, instance);
    this.pods.delete(podUid);
  }

  onChange(listener: (podUid: string) => void): void {
    this.listeners.push(listener);
  }

  /** Probe workers alive (tests, metrics). */
  workerCount(): number {
    let n = 0;
    for (const instance of this.instances.values()) n += instance.workers.size;
    return n;
  }

  /** Stops every worker; the manager answers as if no container had probes. */
  stop(): void {
    for (const uid of [...this.pods.keys()]) this.removePod(uid);
    if (this.ownsTimers) this.timers.stop();
  }

  private add(options: {
    entry: PodEntry;
    uid: string;
    container: NonNullable<NonNullable<Pod["spec"]>["containers"]>[number];
    running: RunningContainer;
  }): Instance {
    const { entry, uid, container, running } = options;
    const instance: Instance = { id: running.id, podUid: uid, name: running.name, workers: new Map() };
    const host: WorkerHost = {
      timers: this.timers,
      run: this.run,
      podIp: () => entry.podIp,
      started: () => this.isStarted(running.id),
      changed: (worker) => this.changed(instance, worker),
      count: (kind, result) => this.metrics.count(kind, result),
      ran: (worker, outcome) => {
        // The prober's events: every failed run, not only the verdict's flip.
        if (!this.recorder || outcome.result === "success") return;
        const kind = worker.kind.charAt(0).toUpperCase() + worker.kind.slice(1);
        const ref = containerReference(entry.pod, running.name);
        if (outcome.result === "failure") {
          this.recorder.event(ref, "Warning", "Unhealthy", `${kind} probe failed: ${outcome.output}`);
        } else {
          this.recorder.event(ref, "Warning", "Unhealthy", `${kind} probe errored: ${outcome.output}`);
        }
      },
    };
    const now = this.timers.clock.now();
    for (const kind of PROBE_KINDS) {
      const probe = probeOf(container, kind);
      if (!probe) continue;
      const worker = new ProbeWorker(kind, probe, { container, containerId: running.id }, host);
      instance.workers.set(kind, worker);
      this.metrics.workers++;
      // A restarted kubelet adopts many running containers at once: spread their first runs.
      const period = (probe.periodSeconds && probe.periodSeconds > 0 ? probe.periodSeconds : 10) * 1000;
      const adopted = running.startedAt < this.startedAt && now - this.startedAt < period;
      const jitter = adopted ? this.random() * period : 0;
      worker.start(running.startedAt, now + jitter);
    }
    entry.instances.set(running.id, instance);
    this.instances.set(running.id, instance);
    return instance;
  }

  private drop(entry: PodEntry, instance: Instance): void {
    for (const worker of instance.workers.values()) worker.stop();
    this.metrics.workers -= instance.workers.size;
    entry.instances.delete(instance.id);
    this.instances.delete(instance.id);
  }

  private changed(instance: Instance, worker: ProbeWorker): void {
    if (worker.kind === "startup" && worker.result === "success") {
      // Started: liveness and readiness may run now rather than a period later.
      instance.workers.get("readiness")?.trigger();
      instance.workers.get("liveness")?.trigger();
    }
    // Listeners hear it on the next microtask, never inside updatePod or removePod.
    queueMicrotask(() => {
      for (const listener of this.listeners) {
        try {
          listener(instance.podUid);
        } catch {
          // A listener's failure is its own; the others still hear the change.
        }
      }
    });
  }
}
