import { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { createInbox, headers as natsHeaders, type Msg, type NatsConnection, type Subscription } from "nats";
import type { Logger } from "@ktl/service";
import type { Bus } from "./bus.js";

/**
 * A request/stream relay over core NATS (ARCHITECTURE.md §8: `node.<node>.logs`,
 * `node.<node>.exec`), so a kubelet answers the apiserver over its own
 * outbound connection.
 *
 * The requester publishes a JSON request on the subject with a fresh inbox
 * as reply subject. The responder answers on that inbox with frames whose
 * kind is the `Ktl-Relay` header:
 *   accept (carries the responder's control subject), data (≤ 64 KiB, with a
 *   channel number), keepalive, end (an optional JSON trailer) or error (a
 *   JSON payload, e.g. a Kubernetes Status; before accept it refuses the
 *   request, after it ends the stream).
 * The requester sends credit, keepalive and cancel frames to the control
 * subject. Data flows only against credit (chunks the requester has room
 * for), so a slow reader holds back the responder instead of NATS buffering.
 * Both sides keep alive every `keepaliveMs` and give up on a peer silent for
 * `timeoutMs`. NATS's no-responders status (nobody serves the subject) is
 * its own error, so the caller can take another path.
 */

export const RELAY_CHUNK_BYTES = 64 * 1024;
const KIND = "Ktl-Relay";
const CHANNEL = "Ktl-Relay-Channel";
const CONTROL = "Ktl-Relay-Control";
const CREDIT = "Ktl-Relay-Credit";

type Kind = "accept" | "data" | "ka" | "end" | "error" | "credit" | "cancel";

/** How often each side shows it is alive, and how long a silent peer is waited for. */
export interface RelayTiming {
  readonly keepaliveMs: number;
  readonly timeoutMs: number;
}
export const DEFAULT_RELAY_TIMING: RelayTiming = { keepaliveMs: 5_000, timeoutMs: 15_000 };

/** The request as it travels: the caller's body plus the requester's terms. */
interface Envelope {
  readonly credit: number;
  readonly keepaliveMs: number;
  readonly timeoutMs: number;
  readonly body: unknown;
}

/** Nobody serves the subject (NATS no-responders), or the bus is down: take another path. */
export class RelayUnavailableError extends Error {
  override readonly name = "RelayUnavailableError";
}
/** The peer went silent (no accept in time, or no keepalive within the timeout). */
export class RelayTimeoutError extends Error {
  override readonly name = "RelayTimeoutError";
}
/** The responder refused the request or failed the stream; `payload` is what it sent (e.g. a Status). */
export class RelayRemoteError extends Error {
  override readonly name = "RelayRemoteError";
  constructor(readonly payload: unknown) {
    super(messageOf(payload));
  }
}

function messageOf(payload: unknown): string {
  const message = (payload as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : JSON.stringify(payload);
}

function frame(kind: Kind, extra: Record<string, string> = {}): { headers: ReturnType<typeof natsHeaders> } {
  const h = natsHeaders();
  h.set(KIND, kind);
  for (const [k, v] of Object.entries(extra)) h.set(k, v);
  return { headers: h };
}

const kindOf = (msg: Msg): string | undefined => msg.headers?.get(KIND) || undefined;
const EMPTY = new Uint8Array(0);
const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const parse = (data: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(data)) as unknown;

// ---------------------------------------------------------------- requester

export interface RelayChunk {
  readonly channel: number;
  readonly data: Uint8Array;
}

export interface OpenRelayOptions extends Partial<RelayTiming> {
  /** Chunks the responder may send ahead of the reader. */
  readonly credit?: number;
  /** How long to wait for the responder to accept or refuse. */
  readonly acceptTimeoutMs?: number;
}

/**
 * Sends `body` on `subject` and resolves once the responder accepted, with
 * the stream of its chunks. Rejects with RelayUnavailableError (no
 * responders, bus down), RelayRemoteError (refused) or RelayTimeoutError.
 */
export async function openRelay(
  bus: Bus,
  subject: string,
  body: unknown,
  options: OpenRelayOptions = {},
): Promise<RelayStream> {
  const nc = bus.connection();
  if (!nc || !bus.connected) throw new RelayUnavailableError("the NATS bus is down");
  const stream = new RelayStream(nc, {
    credit: Math.max(2, options.credit ?? 16),
    keepaliveMs: options.keepaliveMs ?? DEFAULT_RELAY_TIMING.keepaliveMs,
    timeoutMs: options.timeoutMs ?? DEFAULT_RELAY_TIMING.timeoutMs,
  });
  await stream.start(subject, body, options.acceptTimeoutMs ?? 10_000);
  return stream;
}

/**
 * The requester's end: iterate it for chunks in order; iteration ends after
 * the responder's end (then `trailer` holds what it sent) and throws on its
 * error or silence. `cancel()` (or leaving the loop early) tells the
 * responder to stop.
 */
export class RelayStream implements AsyncIterable<RelayChunk> {
  trailer: unknown;
  private readonly inbox = createInbox();
  private sub: Subscription | undefined;
  private control = "";
  private readonly queue: RelayChunk[] = [];
  private finished: { error?: Error } | undefined;
  private wake: (() => void) | undefined;
  private consumed = 0;
  private lastHeard = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private accepted: { resolve: () => void; reject: (e: Error) => void } | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly terms: { credit: number } & RelayTiming,
  ) {}

  /** Publishes the request and waits for accept. */
  start(subject: string, body: unknown, acceptTimeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const giveUp = setTimeout(() => {
        this.finish(new RelayTimeoutError(`no answer on ${subject} within ${acceptTimeoutMs} ms`));
      }, acceptTimeoutMs);
      this.accepted = {
        resolve: () => {
          clearTimeout(giveUp);
          resolve();
        },
        reject: (e) => {
          clearTimeout(giveUp);
          reject(e);
        },
      };
      this.sub = this.nc.subscribe(this.inbox, { callback: (err, msg) => !err && this.onFrame(msg) });
      const envelope: Envelope = { ...this.terms, body };
      try {
        this.nc.publish(subject, json(envelope), { reply: this.inbox });
      } catch (err) {
        this.finish(new RelayUnavailableError(`could not publish on ${subject}: ${String(err)}`));
      }
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RelayChunk> {
    try {
      for (;;) {
        const chunk = this.queue.shift();
        if (chunk) {
          this.grant();
          yield chunk;
          continue;
        }
        if (this.finished) {
          if (this.finished.error) throw this.finished.error;
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.cancel();
    }
  }

  /** Stops the stream (the reader went away); the responder is told, once. */
  cancel(): void {
    if (this.finished) return;
    this.send("cancel");
    this.finish(undefined);
  }

  /** Every chunk concatenated per channel, for answers that are small (exec). */
  async collect(): Promise<Map<number, Buffer>> {
    const parts = new Map<number, Buffer[]>();
    for await (const { channel, data } of this) {
      const list = parts.get(channel) ?? [];
      list.push(Buffer.from(data));
      parts.set(channel, list);
    }
    return new Map([...parts].map(([channel, list]) => [channel, Buffer.concat(list)]));
  }

  private onFrame(msg: Msg): void {
    if (this.finished) return;
    this.lastHeard = Date.now();
    if (msg.headers?.code === 503 && msg.data.length === 0) {
      this.finish(new RelayUnavailableError(`no responders on ${msg.subject}`));
      return;
    }
    switch (kindOf(msg)) {
      case "accept":
        this.control = msg.headers?.get(CONTROL) ?? "";
        this.timer = setInterval(() => this.tick(), this.terms.keepaliveMs);
        this.accepted?.resolve();
        this.accepted = undefined;
        return;
      case "data":
        this.queue.push({ channel: Number(msg.headers?.get(CHANNEL) || 0), data: msg.data });
        break;
      case "end":
        this.trailer = msg.data.length > 0 ? parse(msg.data) : undefined;
        this.finish(undefined);
        break;
      case "error":
        this.finish(new RelayRemoteError(parse(msg.data)));
        break;
      default: // keepalive
        return;
    }
    this.wake?.();
  }

  /** Gives the responder back the credit for what was read, half a window at a time. */
  private grant(): void {
    this.consumed++;
    if (this.consumed * 2 < this.terms.credit) return;
    this.send("credit", { [CREDIT]: String(this.consumed) });
    this.consumed = 0;
  }

  private tick(): void {
    if (Date.now() - this.lastHeard > this.terms.timeoutMs) {
      this.finish(new RelayTimeoutError(`the responder was silent for ${this.terms.timeoutMs} ms`));
      return;
    }
    this.send("ka");
  }

  private send(kind: Kind, extra?: Record<string, string>): void {
    if (!this.control || this.nc.isClosed()) return;
    try {
      this.nc.publish(this.control, EMPTY, frame(kind, extra));
    } catch {
      // The bus is closing; the responder times out on its own.
    }
  }

  private finish(error: Error | undefined): void {
    if (this.finished) return;
    this.finished = { error };
    clearInterval(this.timer);
    this.sub?.unsubscribe();
    if (this.accepted) {
      this.accepted.reject(error ?? new RelayTimeoutError("cancelled before accept"));
      this.accepted = undefined;
    }
    this.wake?.();
  }
}

// ---------------------------------------------------------------- responder

/**
 * The responder's end of one request, handed to a RelayHandler. `accept()`
 * starts the stream (a handler that throws before it refuses the request
 * instead); `write` waits for credit; `signal` aborts when the requester
 * cancels or goes silent.
 */
export class RelayResponder {
  readonly signal: AbortSignal;
  private readonly abort = new AbortController();
  private readonly control = createInbox();
  private sub: Subscription | undefined;
  private credit: number;
  private creditWaiter: (() => void) | undefined;
  private lastHeard = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private state: "new" | "open" | "done" = "new";
  private readonly sinks: Writable[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly inbox: string,
    private readonly terms: Envelope,
  ) {
    this.credit = terms.credit;
    this.signal = this.abort.signal;
  }

  get accepted(): boolean {
    return this.state !== "new";
  }

  accept(): void {
    if (this.state !== "new") return;
    this.state = "open";
    this.sub = this.nc.subscribe(this.control, { callback: (err, msg) => !err && this.onControl(msg) });
    this.timer = setInterval(() => this.tick(), this.terms.keepaliveMs);
    this.publish(EMPTY, "accept", { [CONTROL]: this.control });
  }

  /** Sends `data` in chunks of at most 64 KiB, each when the requester has room for it. */
  async write(data: Uint8Array, channel = 0): Promise<void> {
    this.accept();
    for (let at = 0; at < data.length; at += RELAY_CHUNK_BYTES) {
      while (this.credit <= 0 && !this.signal.aborted) {
        await new Promise<void>((resolve) => (this.creditWaiter = resolve));
      }
      if (this.signal.aborted || this.state === "done") return;
      this.credit--;
      this.publish(data.subarray(at, at + RELAY_CHUNK_BYTES), "data", { [CHANNEL]: String(channel) });
    }
  }

  /**
   * A Writable for stream APIs (log readers): back-pressure follows the
   * credit; destroyed when the requester goes. What it still buffers when
   * the handler returns is sent before the end.
   */
  writable(channel = 0): Writable {
    const out = new Writable({
      highWaterMark: RELAY_CHUNK_BYTES,
      write: (chunk: Buffer, _encoding, callback) => {
        this.write(chunk, channel).then(() => callback(), callback);
      },
      // What piled up while waiting for credit goes out together: fewer, fuller chunks (log lines are small).
      writev: (chunks, callback) => {
        const data = Buffer.concat(chunks.map(({ chunk }) => chunk as Buffer));
        this.write(data, channel).then(() => callback(), callback);
      },
    });
    if (this.signal.aborted) out.destroy();
    else this.signal.addEventListener("abort", () => out.destroy(), { once: true });
    this.sinks.push(out);
    return out;
  }

  /** Ends the writables handed out and waits until what they buffered is sent. */
  async flush(): Promise<void> {
    await Promise.all(
      this.sinks.map((sink) => {
        if (!sink.writableEnded) sink.end();
        return finished(sink).catch(() => undefined);
      }),
    );
  }

  /** Ends the stream normally, with an optional JSON trailer (e.g. an exit code). */
  end(trailer?: unknown): void {
    if (this.state === "done") return;
    this.accept();
    this.publish(trailer === undefined ? EMPTY : json(trailer), "end");
    this.close();
  }

  /** Refuses the request (before accept) or ends the stream with an error. */
  fail(payload: unknown): void {
    if (this.state === "done") return;
    this.publish(json(payload), "error");
    this.close();
  }

  private onControl(msg: Msg): void {
    this.lastHeard = Date.now();
    switch (kindOf(msg)) {
      case "credit":
        this.credit += Number(msg.headers?.get(CREDIT) || 0);
        break;
      case "cancel":
        this.close();
        break;
    }
    this.creditWaiter?.();
  }

  private tick(): void {
    if (Date.now() - this.lastHeard > this.terms.timeoutMs) {
      this.close();
      return;
    }
    this.publish(EMPTY, "ka");
  }

  private publish(data: Uint8Array, kind: Kind, extra?: Record<string, string>): void {
    if (this.nc.isClosed()) return void this.close();
    try {
      this.nc.publish(this.inbox, data, frame(kind, extra));
    } catch {
      this.close();
    }
  }

  private close(): void {
    this.state = "done";
    clearInterval(this.timer);
    this.sub?.unsubscribe();
    this.abort.abort();
    this.creditWaiter?.();
  }
}

export type RelayHandler = (body: unknown, responder: RelayResponder) => Promise<void>;

export interface ServeRelayOptions {
  readonly log: Logger;
  /** The error frame's payload for a thrown error, e.g. its Kubernetes Status. */
  readonly errorPayload: (err: unknown) => unknown;
}

/**
 * Serves `subject` on the bus: each request runs `handler` with its own
 * responder. A handler that returns ends the stream; one that throws
 * refuses or fails it with `errorPayload(err)`; data its writables still
 * buffer goes out first. Returns an unsubscribe function.
 */
export function serveRelay(
  bus: Bus,
  subject: string,
  handler: RelayHandler,
  options: ServeRelayOptions,
): () => void {
  return bus.subscribe(subject, (data, _subject, reply) => {
    const nc = bus.connection();
    if (!reply || !nc) return;
    let envelope: Envelope;
    try {
      envelope = parse(data) as Envelope;
    } catch {
      options.log.warn("ignoring a malformed relay request", { subject });
      return;
    }
    const responder = new RelayResponder(nc, reply, {
      credit: Math.max(1, Number(envelope.credit) || 1),
      keepaliveMs: Math.max(10, Number(envelope.keepaliveMs) || DEFAULT_RELAY_TIMING.keepaliveMs),
      timeoutMs: Math.max(20, Number(envelope.timeoutMs) || DEFAULT_RELAY_TIMING.timeoutMs),
      body: envelope.body,
    });
    handler(envelope.body, responder)
      .then(() => responder.flush())
      .then(
        () => responder.end(),
        (err: unknown) => responder.fail(options.errorPayload(err)),
      );
  });
}
