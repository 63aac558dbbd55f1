/**
 * Events live in NATS JetStream (the KTL_EVENTS stream, one subject
 * `events.<namespace>.<name>` per event, one message kept per subject),
 * never in etcd: they are many, short-lived and diagnostic, and must not load
 * the store the cluster's desired state lives in. A message's stream sequence
 * is the event's resourceVersion.
 */
import type { Event } from "@ktl/api";
import { alreadyExists, conflict, notFound, serviceUnavailable, StatusError } from "@ktl/apimachinery";
import {
  EVENTS_STREAM,
  ensureEventStream,
  eventFilter,
  eventSubject,
  parseEventSubject,
  type EventStreamLimits,
} from "@ktl/events";
import type { Bus } from "@ktl/nats";
import type { Logger } from "@ktl/service";
import {
  AckPolicy,
  DeliverPolicy,
  nanos,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
} from "nats";

const GR = { group: "", resource: "events" };
/** NATS requests give up after this, so a paused NATS is a prompt 503, not a hang. */
const NATS_TIMEOUT_MS = 3000;

export const NOT_CONFIGURED =
  "the events store (NATS) is not configured: start the apiserver with --nats-servers";

export type EventWatchType = "ADDED" | "MODIFIED";

export interface EventList {
  readonly items: Event[];
  readonly resourceVersion: string;
}

/** The events API's storage: list, get, write and watch events in JetStream. */
export interface EventStore {
  list(namespace: string | undefined): Promise<EventList>;
  get(namespace: string, name: string): Promise<Event>;
  /** Fails with AlreadyExists when the name is taken. */
  create(namespace: string, event: Event): Promise<Event>;
  /** Replaces; with metadata.resourceVersion set, only if it is still current (else Conflict). */
  update(namespace: string, name: string, event: Event): Promise<Event>;
  delete(namespace: string, name: string): Promise<Event>;
  /**
   * Streams changes: from `resourceVersion` on when given (not "0"), else
   * every current event as ADDED first. Returns a cancel function.
   */
  watch(
    namespace: string | undefined,
    resourceVersion: string | undefined,
    send: (type: EventWatchType, event: Event) => void,
    closed: () => void,
  ): Promise<() => void>;
}

/** An EventStore that answers every call with 503: no --nats-servers. */
export const UNCONFIGURED_EVENT_STORE: EventStore = {
  list: () => Promise.reject(serviceUnavailable(NOT_CONFIGURED)),
  get: () => Promise.reject(serviceUnavailable(NOT_CONFIGURED)),
  create: () => Promise.reject(serviceUnavailable(NOT_CONFIGURED)),
  update: () => Promise.reject(serviceUnavailable(NOT_CONFIGURED)),
  delete: () => Promise.reject(serviceUnavailable(NOT_CONFIGURED)),
  watch: () => Promise.reject(serviceUnavailable(NOT_CONFIGURED)),
};

function unavailable(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return serviceUnavailable(`the events store (NATS) is unavailable: ${message}`);
}

function decode(data: Uint8Array, subject: string, seq: number): Event {
  const event = JSON.parse(new TextDecoder().decode(data)) as Event;
  const where = parseEventSubject(subject);
  event.metadata = {
    ...event.metadata,
    name: event.metadata?.name ?? where?.name,
    namespace: event.metadata?.namespace ?? where?.namespace,
    resourceVersion: String(seq),
  };
  event.apiVersion = "v1";
  event.kind = "Event";
  return event;
}

function encode(event: Event): Uint8Array {
  // The resourceVersion is the message's sequence, not part of the message.
  const { resourceVersion: _rv, ...metadata } = event.metadata ?? {};
  void _rv;
  return new TextEncoder().encode(JSON.stringify({ ...event, metadata }));
}

function isNoMessage(err: unknown): boolean {
  const code = (err as { code?: string | number }).code;
  return code === "404" || code === 404 || /no message found|message not found/i.test(String(err));
}

function isWrongLastSequence(err: unknown): boolean {
  return /wrong last sequence/i.test(String(err));
}

/** The store over the apiserver's NATS bus. */
export class NatsEventStore implements EventStore {
  private clients: Promise<{ jsm: JetStreamManager; js: JetStreamClient }> | undefined;
  private clientsFor: NatsConnection | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly log: Logger,
    limits: EventStreamLimits = {},
  ) {
    // The apiserver owns the stream's limits: create or update on every connection.
    bus.onConnected(() => {
      this.connect()
        .then(({ jsm }) => ensureEventStream(jsm, limits, true))
        .then(() => log.info("events stream ready", { stream: EVENTS_STREAM }))
        .catch((err: unknown) => log.warn("could not ensure the events stream", { error: String(err) }));
    });
  }

  private connect(): Promise<{ jsm: JetStreamManager; js: JetStreamClient }> {
    const nc = this.bus.connection();
    if (!nc || !this.bus.connected) {
      return Promise.reject(
        serviceUnavailable("the events store (NATS) is unavailable: not connected to NATS"),
      );
    }
    if (!this.clients || this.clientsFor !== nc) {
      this.clientsFor = nc;
      const clients = nc
        .jetstreamManager({ timeout: NATS_TIMEOUT_MS })
        .then((jsm) => ({ jsm, js: jsm.jetstream() }));
      // A failure is not cached: the next call tries again.
      clients.catch(() => {
        if (this.clients === clients) this.clients = undefined;
      });
      this.clients = clients;
    }
    return this.clients;
  }

  async list(namespace: string | undefined): Promise<EventList> {
    try {
      const { jsm, js } = await this.connect();
      const stream = await jsm.streams.info(EVENTS_STREAM);
      const resourceVersion = String(stream.state.last_seq);
      // An ephemeral consumer over the latest message of each subject: its
      // pending count at creation is exactly the list's length.
      const ci = await jsm.consumers.add(EVENTS_STREAM, {
        filter_subject: eventFilter(namespace),
        deliver_policy: DeliverPolicy.LastPerSubject,
        ack_policy: AckPolicy.None,
        inactive_threshold: nanos(30_000),
        mem_storage: true,
      });
      try {
        const items: Event[] = [];
        const total = ci.num_pending;
        if (total === 0) return { items, resourceVersion };
        const consumer = await js.consumers.get(EVENTS_STREAM, ci.name);
        while (items.length < total) {
          const batch = await consumer.fetch({
            max_messages: Math.min(total - items.length, 1000),
            expires: NATS_TIMEOUT_MS,
          });
          let got = 0;
          for await (const m of batch) {
            got++;
            try {
              items.push(decode(m.data, m.subject, m.seq));
            } catch (err) {
              this.log.warn("skipping an undecodable event", { subject: m.subject, error: String(err) });
            }
          }
          if (got === 0) throw new Error("timed out reading the events stream");
        }
        items.sort((a, b) => key(a).localeCompare(key(b)));
        return { items, resourceVersion };
      } finally {
        jsm.consumers.delete(EVENTS_STREAM, ci.name).catch(() => undefined);
      }
    } catch (err) {
      throw unavailable(err);
    }
  }

  async get(namespace: string, name: string): Promise<Event> {
    const { jsm } = await this.connect().catch((err: unknown) => Promise.reject(unavailable(err)));
    try {
      const m = await jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: eventSubject(namespace, name) });
      return decode(m.data, m.subject, m.seq);
    } catch (err) {
      if (isNoMessage(err)) throw notFound(GR, name);
      throw unavailable(err);
    }
  }

  async create(namespace: string, event: Event): Promise<Event> {
    const name = event.metadata?.name ?? "";
    return this.write(namespace, name, event, 0, () => alreadyExists(GR, name));
  }

  async update(namespace: string, name: string, event: Event): Promise<Event> {
    const current = await this.get(namespace, name);
    const wanted = event.metadata?.resourceVersion;
    const expected = Number(wanted ?? current.metadata?.resourceVersion);
    const stale = () =>
      conflict(
        GR,
        name,
        "the object has been modified; please apply your changes to the latest version and try again",
      );
    if (wanted !== undefined && wanted !== current.metadata?.resourceVersion) throw stale();
    return this.write(namespace, name, event, expected, stale);
  }

  /** Publishes with JetStream's optimistic concurrency on the subject's last sequence. */
  private async write(
    namespace: string,
    name: string,
    event: Event,
    lastSubjectSequence: number,
    onRace: () => StatusError,
  ): Promise<Event> {
    const { js } = await this.connect().catch((err: unknown) => Promise.reject(unavailable(err)));
    const subject = eventSubject(namespace, name);
    try {
      const ack = await js.publish(subject, encode(event), {
        expect: { lastSubjectSequence },
        timeout: NATS_TIMEOUT_MS,
      });
      return decode(encode(event), subject, ack.seq);
    } catch (err) {
      if (isWrongLastSequence(err)) throw onRace();
      throw unavailable(err);
    }
  }

  async delete(namespace: string, name: string): Promise<Event> {
    const current = await this.get(namespace, name);
    try {
      const { jsm } = await this.connect();
      await jsm.streams.purge(EVENTS_STREAM, { filter: eventSubject(namespace, name) });
      return current;
    } catch (err) {
      throw unavailable(err);
    }
  }

  async watch(
    namespace: string | undefined,
    resourceVersion: string | undefined,
    send: (type: EventWatchType, event: Event) => void,
    closed: () => void,
  ): Promise<() => void> {
    let messages: ConsumerMessages;
    let replayUpTo = 0;
    try {
      const { jsm, js } = await this.connect();
      const fromVersion = resourceVersion && resourceVersion !== "0" ? Number(resourceVersion) : undefined;
      if (fromVersion === undefined) replayUpTo = (await jsm.streams.info(EVENTS_STREAM)).state.last_seq;
      // An ordered consumer: NATS re-creates it after reconnects, in order, without gaps.
      const consumer = await js.consumers.get(EVENTS_STREAM, {
        // A single subject, not a list: filter_subjects needs nats-server 2.10.
        filterSubjects: eventFilter(namespace),
        ...(fromVersion === undefined || !Number.isFinite(fromVersion)
          ? { deliver_policy: DeliverPolicy.LastPerSubject }
          : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromVersion + 1 }),
      });
      messages = await consumer.consume();
    } catch (err) {
      throw unavailable(err);
    }
    const seen = new Set<string>();
    void (async () => {
      try {
        for await (const m of messages) {
          let event: Event;
          try {
            event = decode(m.data, m.subject, m.seq);
          } catch {
            continue;
          }
          const k = key(event);
          // New to this watcher: ADDED when it is new to the cluster or part of
          // the initial replay; everything else is a change (count+1).
          const added = !seen.has(k) && ((event.count ?? 1) <= 1 || m.seq <= replayUpTo);
          seen.add(k);
          send(added ? "ADDED" : "MODIFIED", event);
        }
      } catch (err) {
        this.log.warn("events watch ended", { error: String(err) });
      }
      closed();
    })();
    return () => messages.stop();
  }
}

function key(event: Event): string {
  return `${event.metadata?.namespace ?? ""}/${event.metadata?.name ?? ""}`;
}
