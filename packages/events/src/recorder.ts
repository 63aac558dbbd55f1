import { randomUUID } from "node:crypto";
import { format } from "node:util";
import type { Event, ObjectReference } from "@ktl/api";
import { Bus } from "@ktl/nats";
import type { Logger } from "@ktl/service";
import { EventCorrelator } from "./correlator.js";
import { isObjectReference, referenceTo, type ObjectLike } from "./reference.js";
import { ensureEventStream, eventSubject } from "./stream.js";

export type EventType = "Normal" | "Warning";

/** Events not delivered, by reason (the `events_dropped_total` labels). */
export interface RecorderDrops {
  nats_unavailable: number;
  rate_limited: number;
  error: number;
}

/** Where recorded events go; `publish` must not block or throw, and says whether the event left. */
export interface EventSink {
  publish(subject: string, data: Uint8Array): boolean;
}

/** Events go nowhere: a component started without --nats-servers. Every event counts as dropped. */
export const NO_SINK: EventSink = { publish: () => false };

/**
 * Publishes on the cluster's bus (core NATS; the KTL_EVENTS stream captures
 * `events.>`), creating the stream when missing on every (re)connection.
 * While NATS is down, Bus.publish drops at once.
 */
export function busSink(bus: Bus, log?: Logger): EventSink {
  bus.onConnected(() => {
    const nc = bus.connection();
    if (!nc) return;
    nc.jetstreamManager({ timeout: 5000 })
      .then((jsm) => ensureEventStream(jsm))
      .catch((err: unknown) => log?.warn("could not ensure the events stream", { error: String(err) }));
  });
  return { publish: (subject, data) => bus.publish(subject, data) };
}

export interface RecorderOptions {
  readonly sink: EventSink;
  /** source.component and reportingComponent, e.g. "default-scheduler", "kubelet". */
  readonly component: string;
  /** source.host and reportingInstance, e.g. the node name for kubelets. */
  readonly host?: string;
  readonly log?: Logger;
  readonly now?: () => number;
  readonly burst?: number;
  readonly qps?: number;
}

/** Keeps events named in the same millisecond apart, across every recorder of the process. */
let sequence = 0;
function nextSequence(): number {
  sequence = (sequence + 1) % 1_000_000;
  return sequence;
}

/** Kubernetes' timestamps: RFC 3339 in seconds. */
function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Records Kubernetes Events for one component. `event()` is synchronous,
 * never blocks and never throws: events are diagnostics, and a dead bus or a
 * crash loop must not slow the component down or flood the cluster. Repeats
 * of an event are aggregated (count+1, same name) and each source+object is
 * rate limited, as client-go's EventCorrelator does.
 *
 * Metrics: `events_dropped_total{reason}` (nats_unavailable, rate_limited,
 * error) and `events_recorded_total`, as Prometheus text via `metricsText()`.
 */
export class EventRecorder {
  private readonly correlator: EventCorrelator;
  /** Shared by every recorder derived with `withComponent`, so /metrics counts them all. */
  private readonly counters: { dropped: RecorderDrops; recorded: number };

  constructor(
    private readonly options: RecorderOptions,
    shared?: { correlator: EventCorrelator; counters: { dropped: RecorderDrops; recorded: number } },
  ) {
    this.correlator =
      shared?.correlator ?? new EventCorrelator({ burst: options.burst, qps: options.qps, now: options.now });
    this.counters = shared?.counters ?? {
      dropped: { nats_unavailable: 0, rate_limited: 0, error: 0 },
      recorded: 0,
    };
  }

  get dropped(): RecorderDrops {
    return this.counters.dropped;
  }

  get recorded(): number {
    return this.counters.recorded;
  }

  /**
   * The same recorder (sink, aggregation, rate limits, metrics) reporting as
   * another component, as client-go's one broadcaster hands each controller
   * a recorder with its own source ("replicaset-controller", "deployment-controller").
   */
  withComponent(component: string): EventRecorder {
    return new EventRecorder(
      { ...this.options, component },
      { correlator: this.correlator, counters: this.counters },
    );
  }

  /** A recorder that keeps nothing (no --nats-servers); it still counts what it drops. */
  static disabled(component: string, host?: string): EventRecorder {
    return new EventRecorder({ sink: NO_SINK, component, host });
  }

  /**
   * Records an event about `object` (an object with metadata, or an
   * ObjectReference; see `referenceTo` for informer objects without a kind).
   * `messageFmt` and `args` are formatted like printf (%s, %d, %v-ish via util.format).
   */
  event(
    object: ObjectLike | ObjectReference,
    type: EventType,
    reason: string,
    messageFmt: string,
    ...args: unknown[]
  ): void {
    if (this.options.sink === NO_SINK) {
      // Nowhere to send it: count the drop without building, aggregating or encoding the event.
      this.counters.dropped.nats_unavailable++;
      return;
    }
    try {
      const ref = isObjectReference(object) ? object : referenceTo(object);
      const message = args.length > 0 ? format(messageFmt, ...args) : messageFmt;
      const result = this.correlator.correlate(this.makeEvent(ref, type, reason, message));
      if (result.skip) {
        this.dropped.rate_limited++;
        return;
      }
      const event = result.event;
      const data = new TextEncoder().encode(JSON.stringify(event));
      const subject = eventSubject(event.metadata?.namespace ?? "default", event.metadata?.name ?? "");
      if (this.options.sink.publish(subject, data)) this.counters.recorded++;
      else this.dropped.nats_unavailable++;
    } catch (err) {
      this.dropped.error++;
      this.options.log?.warn("could not record an event", { reason, error: String(err) });
    }
  }

  /** Builds a fresh event (count 1), before aggregation. */
  makeEvent(ref: ObjectReference, type: EventType, reason: string, message: string): Event {
    const nowMs = (this.options.now ?? Date.now)();
    const now = timestamp(nowMs);
    // client-go names events "<object>.<UnixNano in hex>"; a counter keeps
    // events recorded within the same millisecond apart.
    const nanos = BigInt(nowMs) * 1_000_000n + BigInt(nextSequence());
    const namespace = ref.namespace || "default";
    return {
      apiVersion: "v1",
      kind: "Event",
      metadata: {
        name: `${ref.name ?? ""}.${nanos.toString(16)}`,
        namespace,
        uid: randomUUID(),
        creationTimestamp: now,
      },
      involvedObject: ref,
      reason,
      message,
      source: {
        component: this.options.component,
        ...(this.options.host ? { host: this.options.host } : {}),
      },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      reportingComponent: this.options.component,
      reportingInstance: this.options.host ?? "",
    };
  }

  /** Prometheus text for the component's /metrics. */
  metricsText(): string {
    const lines = [
      "# HELP events_dropped_total Events not delivered to NATS, by reason.",
      "# TYPE events_dropped_total counter",
      ...Object.entries(this.dropped).map(([reason, n]) => `events_dropped_total{reason="${reason}"} ${n}`),
      "# HELP events_recorded_total Events handed to NATS.",
      "# TYPE events_recorded_total counter",
      `events_recorded_total ${this.recorded}`,
    ];
    return lines.join("\n") + "\n";
  }

  get droppedTotal(): number {
    return this.dropped.nats_unavailable + this.dropped.rate_limited + this.dropped.error;
  }
}

/** How long shutdown waits for buffered events to leave. */
const CLOSE_TIMEOUT_MS = 2000;

/**
 * The recorder for a component: on NATS when `natsServers` is set, else a
 * no-op one that counts drops. Returns the bus too, to close on shutdown.
 */
export function createRecorder(options: {
  natsServers: string;
  component: string;
  host?: string;
  log: Logger;
}): { recorder: EventRecorder; close: () => Promise<void> } {
  if (!options.natsServers) {
    return { recorder: EventRecorder.disabled(options.component, options.host), close: async () => {} };
  }
  const bus = Bus.connect({
    servers: options.natsServers,
    name: `${options.component} events${options.host ? ` ${options.host}` : ""}`,
    log: options.log,
  });
  const recorder = new EventRecorder({
    sink: busSink(bus, options.log),
    component: options.component,
    host: options.host,
    log: options.log,
  });
  // Flushes what the client still buffers, but never holds a shutdown up for long (NATS may be down).
  const close = (): Promise<void> =>
    Promise.race([
      bus.close(),
      new Promise<void>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref()),
    ]);
  return { recorder, close };
}
