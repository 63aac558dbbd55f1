import { HEARTBEAT_SUBJECT_PREFIX, RESYNC_SUBJECT_PREFIX, type HeartbeatMessage } from "@ktl/nats";
import type { TimerHandle, TimerQueue } from "../probes/timer-queue.js";

/** The part of `@ktl/nats`' Bus heartbeats need: best-effort publish, subscriptions. */
export interface HeartbeatBus {
  publish(subject: string, data: Uint8Array | string): boolean;
  subscribe(subject: string, handler: (data: Uint8Array, subject: string) => void): () => void;
}

export interface HeartbeatPublisherOptions {
  readonly bus: HeartbeatBus;
  readonly nodeName: string;
  readonly timers: TimerQueue;
  readonly intervalMs: number;
  /** Whether the node reports Ready=True now. */
  readonly ready: () => boolean;
  /** Spread the first beat over an interval (many hollow nodes started together), 0..1. */
  readonly spread?: () => number;
  /** Called when the controller asks for a full status write. */
  readonly onResync?: () => void;
}

/**
 * Publishes `node.heartbeat.<node>` every interval on the (shared) timer
 * queue: one timer entry per node, so a hollow process with 1,000 nodes
 * still has one OS timer and one NATS connection. Publishing is best effort
 * (a down bus drops the beat); the controller gives every node a fresh grace
 * period after a NATS outage, so dropped beats do not make nodes Unknown.
 */
export class HeartbeatPublisher {
  private timer: TimerHandle | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  /** Beats published and dropped (bus down), for tests. */
  sent = 0;
  dropped = 0;

  constructor(private readonly options: HeartbeatPublisherOptions) {}

  start(): void {
    const { onResync, bus, nodeName } = this.options;
    if (onResync) this.unsubscribe = bus.subscribe(RESYNC_SUBJECT_PREFIX + nodeName, () => onResync());
    // The first beat goes out at once (a restarted node clears its taint quickly), unless spread.
    const first = this.options.spread ? Math.floor(this.options.spread() * this.options.intervalMs) : 0;
    this.timer = this.options.timers.after(first, () => this.beat());
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private beat(): void {
    if (this.stopped) return;
    const { bus, nodeName, timers } = this.options;
    const message: HeartbeatMessage = { node: nodeName, ts: timers.clock.now(), ready: this.options.ready() };
    if (bus.publish(HEARTBEAT_SUBJECT_PREFIX + nodeName, JSON.stringify(message))) this.sent++;
    else this.dropped++;
    this.timer = timers.after(this.options.intervalMs, () => this.beat());
  }
}
