import type { NodeStatus } from "@ktl/api";
import { isNotFound } from "@ktl/apimachinery";
import type { Logger } from "@ktl/service";
import type { TimerHandle, TimerQueue } from "../probes/timer-queue.js";
import type { NodeStatusMetrics } from "./metrics.js";
import {
  apiTime,
  nodeStatus,
  sameStatus,
  statusPatch,
  type NodeDescription,
  type Readiness,
} from "./node-status.js";
import { NODES, registerNode, type NodeClient, type Registration } from "./register.js";

export interface NodeStatusReporterOptions {
  readonly client: NodeClient;
  /** The node as it is now (the runtime version or port may change). */
  readonly description: () => NodeDescription;
  /** Whether the node can run pods now; asked on every check. */
  readonly readiness: () => Promise<Readiness>;
  readonly timers: TimerQueue;
  /** How often to look for a change worth writing (Kubernetes' nodeStatusUpdateFrequency, 10 s). */
  readonly updateIntervalMs: number;
  /**
   * The longest gap between writes: a heartbeat when nothing changed.
   * `Infinity`: never (heartbeats go over NATS instead; writes only on change).
   */
  readonly reportIntervalMs: number;
  readonly metrics: NodeStatusMetrics;
  readonly log: Logger;
  /**
   * Spread heartbeats: the first comes after a random part of the report
   * interval instead of a whole one, so nodes registered together (a
   * hollow process) do not heartbeat in one burst forever.
   */
  readonly spread?: () => number;
}

/** Retry delay after a failed write, unless the regular check comes sooner. */
const RETRY_MS = 2000;

/**
 * Registers the Node, then keeps its status current with few writes: it
 * checks every update interval and writes only when something other than
 * the heartbeat time changed (a condition, an address, the runtime), or when
 * the report interval has passed since the last write. Writes are merge
 * patches of the status subresource, with only the changed fields. Checks
 * never overlap; `kick()` asks for one now (e.g. the podCIDR arrived). If
 * the Node disappears, the next check registers it again.
 */
export class NodeStatusReporter {
  private written: NodeStatus | undefined;
  private lastWrite = 0;
  private registered = false;
  private running = false;
  private again = false;
  private stopped = false;
  private timer: TimerHandle | undefined;

  constructor(private readonly options: NodeStatusReporterOptions) {}

  /** Registers (create or take over) and starts the checks. Rejects when registration fails. */
  async start(): Promise<Registration> {
    const registration = await this.register();
    if (this.options.spread && Number.isFinite(this.options.reportIntervalMs)) {
      this.lastWrite -= Math.floor(this.options.spread() * this.options.reportIntervalMs);
    }
    this.schedule();
    return registration;
  }

  /** Checks now (or right after the check in progress). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.timer?.cancel();
    this.timer = this.options.timers.after(0, () => void this.check());
  }

  /** Whether the last status written says Ready=True (what heartbeats report). */
  get ready(): boolean {
    return readyOf(this.written) === "True";
  }

  /**
   * Forgets what was written, so the next check writes the whole status: when
   * someone else (the node lifecycle controller) changed it, e.g. to
   * Ready=Unknown while it did not hear from us, and a write only on change
   * would never put it back.
   */
  resync(): void {
    if (this.stopped || !this.registered) return;
    this.written = undefined;
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private get now(): number {
    return this.options.timers.clock.now();
  }

  private async register(): Promise<Registration> {
    const registration = await registerNode({
      client: this.options.client,
      description: this.options.description(),
      readiness: await this.options.readiness(),
      now: this.now,
    });
    this.written = registration.written;
    this.lastWrite = this.now;
    if (!this.registered) this.options.metrics.nodes++;
    this.registered = true;
    this.options.metrics.wrote("register");
    return registration;
  }

  private async check(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    this.timer = undefined;
    let retry = false;
    try {
      if (!this.registered) {
        await this.register();
        this.options.log.info("node registered again", { node: this.options.description().name });
      } else {
        await this.report();
      }
    } catch (err) {
      retry = true;
      this.options.metrics.failed();
      if (isNotFound(err)) this.registered = false;
      this.options.log.warn("node status write failed", {
        node: this.options.description().name,
        error: err instanceof Error ? err.message : String(err),
      });
    } finally {
      this.running = false;
    }
    if (this.again) {
      this.again = false;
      this.kick();
    } else {
      this.schedule(retry ? RETRY_MS : undefined);
    }
  }

  private async report(): Promise<void> {
    const started = this.now;
    const readiness = await this.options.readiness();
    const next = nodeStatus({
      description: this.options.description(),
      readiness,
      previous: this.written?.conditions,
      now: apiTime(this.now),
    });
    const changed = !sameStatus(this.written, next);
    const due = this.lastWrite + this.options.reportIntervalMs;
    if (!changed && started < due) return;
    const name = this.options.description().name;
    await this.options.client.patch(NODES, undefined, name, statusPatch(this.written, next), {
      subresource: "status",
    });
    const wasReady = readyOf(this.written);
    this.written = next;
    this.lastWrite = started;
    if (changed) {
      this.options.metrics.wrote("changed");
      if (wasReady !== readyOf(next)) {
        this.options.log.info("node readiness changed", {
          node: name,
          ready: readiness.ready,
          reason: readiness.reason,
          message: readiness.message,
        });
      }
    } else {
      this.options.metrics.wrote("heartbeat");
      this.options.metrics.heartbeatLate(this.now - due);
    }
  }

  private schedule(retryMs?: number): void {
    if (this.stopped) return;
    const now = this.now;
    const heartbeat = this.lastWrite + this.options.reportIntervalMs;
    // After a failure the overdue heartbeat must not make the retry immediate (a hot loop).
    const due =
      retryMs !== undefined
        ? now + Math.min(retryMs, this.options.updateIntervalMs)
        : Math.min(now + this.options.updateIntervalMs, heartbeat);
    this.timer = this.options.timers.schedule(Math.max(now, due), () => void this.check());
  }
}

function readyOf(status: NodeStatus | undefined): string | undefined {
  return status?.conditions?.find((c) => c.type === "Ready")?.status;
}
