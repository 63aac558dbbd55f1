// The relay against a real nats-server: chunks in order per channel, end
// with a trailer, refusals and failures, credit-based flow control with a
// slow reader, keepalive timeouts when either side dies, cancellation, and
// NATS's no-responders status.
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNats, until, type NatsServer } from "@ktl/testing";
import type { Logger } from "@ktl/service";
import { Bus } from "./bus.js";
import {
  openRelay,
  RelayRemoteError,
  RelayTimeoutError,
  RelayUnavailableError,
  serveRelay,
  type RelayHandler,
  type RelayResponder,
} from "./relay.js";

const log = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;
const FAST = { keepaliveMs: 100, timeoutMs: 600 };
let nats: NatsServer;
const buses: Bus[] = [];
let requester: Bus;
let responder: Bus;
let n = 0;

async function connected(name: string): Promise<Bus> {
  const bus = Bus.connect({ servers: nats.url, name, log, reconnectWaitMs: 100 });
  buses.push(bus);
  await until(`${name} to connect`, () => bus.connected, 10_000, 20);
  return bus;
}

/** Serves a fresh subject with `handler` on `bus` and waits until the server knows the subscription. */
async function serve(handler: RelayHandler, bus = responder): Promise<string> {
  const subject = `test.relay.${++n}`;
  serveRelay(bus, subject, handler, { log, errorPayload: (err) => ({ message: String(err) }) });
  await bus.connection()!.flush();
  return subject;
}

const text = (data: Uint8Array): string => Buffer.from(data).toString("utf8");

beforeAll(async () => {
  nats = await startNats();
  requester = await connected("requester");
  responder = await connected("responder");
});
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
  await nats?.stop();
});

describe("relay", () => {
  it("streams chunks per channel in order, then ends with a trailer", async () => {
    const subject = await serve(async (body, r) => {
      expect(body).toEqual({ hello: "kubelet" });
      r.accept();
      await r.write(Buffer.from("out-1 "), 1);
      await r.write(Buffer.from("err-1"), 2);
      await r.write(Buffer.from("out-2"), 1);
      r.end({ exitCode: 3 });
    });
    const stream = await openRelay(requester, subject, { hello: "kubelet" }, FAST);
    const parts = await stream.collect();
    expect(text(parts.get(1)!)).toBe("out-1 out-2");
    expect(text(parts.get(2)!)).toBe("err-1");
    expect(stream.trailer).toEqual({ exitCode: 3 });
  });

  it("splits large writes into chunks of at most 64 KiB", async () => {
    const big = Buffer.alloc(300 * 1024, "x");
    const subject = await serve(async (_body, r) => r.write(big));
    const stream = await openRelay(requester, subject, {}, FAST);
    const sizes: number[] = [];
    for await (const chunk of stream) sizes.push(chunk.data.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(big.length);
    expect(Math.max(...sizes)).toBe(64 * 1024);
  });

  it("refuses before accept with the responder's error payload", async () => {
    const subject = await serve(() => Promise.reject(new Error("container is waiting")));
    const err = await openRelay(requester, subject, {}, FAST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelayRemoteError);
    expect((err as RelayRemoteError).payload).toEqual({ message: "Error: container is waiting" });
  });

  it("fails an accepted stream after the data sent so far", async () => {
    const subject = await serve(async (_body, r) => {
      await r.write(Buffer.from("partial"));
      throw new Error("runtime went away");
    });
    const stream = await openRelay(requester, subject, {}, FAST);
    const got: string[] = [];
    const err = await (async () => {
      for await (const chunk of stream) got.push(text(chunk.data));
    })().catch((e: unknown) => e);
    expect(got).toEqual(["partial"]);
    expect(err).toBeInstanceOf(RelayRemoteError);
    expect((err as Error).message).toBe("Error: runtime went away");
  });

  it("holds the responder to the reader's credit: a slow reader gets everything in order", async () => {
    const CREDIT = 4;
    const TOTAL = 60;
    let sent = 0;
    let maxAhead = 0;
    let read = 0;
    const subject = await serve(async (_body, r) => {
      for (let i = 0; i < TOTAL; i++) {
        await r.write(Buffer.from(String(i)));
        sent++;
        maxAhead = Math.max(maxAhead, sent - read);
      }
    });
    const stream = await openRelay(requester, subject, {}, { ...FAST, credit: CREDIT });
    const got: number[] = [];
    for await (const chunk of stream) {
      got.push(Number(text(chunk.data)));
      read++;
      await sleep(5);
    }
    expect(got).toEqual([...Array(TOTAL).keys()]);
    // Never more than the window in flight (plus the chunk being handed over).
    expect(maxAhead).toBeLessThanOrEqual(CREDIT + 1);
  });

  it("sends what a Writable sink still buffers before the end, at the reader's pace", async () => {
    const LINES = 3000;
    const subject = await serve(async (_body, r) => {
      const out = r.writable(1);
      for (let i = 0; i < LINES; i++) {
        if (!out.write(`line ${i} ${"x".repeat(100)}\n`)) await once(out, "drain");
      }
      // Returning without waiting: the relay flushes the sink before its end frame.
    });
    const stream = await openRelay(requester, subject, {}, { ...FAST, credit: 4 });
    let received = "";
    let chunks = 0;
    for await (const chunk of stream) {
      received += text(chunk.data);
      chunks++;
      await sleep(1);
    }
    // Lines that waited for credit went out together.
    expect(chunks).toBeLessThan(LINES / 10);
    const lines = received.split("\n").slice(0, -1);
    expect(lines).toHaveLength(LINES);
    expect(lines.every((line, i) => line.startsWith(`line ${i} `))).toBe(true);
  });

  it("aborts the responder when the reader cancels", async () => {
    let seen: RelayResponder | undefined;
    const subject = await serve(async (_body, r) => {
      seen = r;
      for (let i = 0; !r.signal.aborted; i++) await r.write(Buffer.from(`line ${i}\n`));
    });
    const stream = await openRelay(requester, subject, {}, FAST);
    for await (const chunk of stream) {
      expect(text(chunk.data)).toBe("line 0\n");
      break;
    }
    await until("the responder to abort", () => seen?.signal.aborted === true, 2_000, 20);
  });

  it("aborts the responder when the requester's connection dies", async () => {
    const doomed = await connected("doomed requester");
    let seen: RelayResponder | undefined;
    const subject = await serve(async (_body, r) => {
      seen = r;
      r.accept();
      await new Promise((resolve) => r.signal.addEventListener("abort", resolve));
    });
    await openRelay(doomed, subject, {}, FAST);
    const closedAt = Date.now();
    doomed
      .connection()!
      .close()
      .catch(() => undefined);
    await until("the responder to abort", () => seen?.signal.aborted === true, 5_000, 20);
    expect(Date.now() - closedAt).toBeLessThan(FAST.timeoutMs + 3 * FAST.keepaliveMs + 500);
  });

  it("ends the reader's stream with a timeout when the responder's connection dies", async () => {
    const doomed = await connected("doomed responder");
    const subject = await serve(async (_body, r) => {
      r.accept();
      await new Promise((resolve) => r.signal.addEventListener("abort", resolve));
    }, doomed);
    const stream = await openRelay(requester, subject, {}, FAST);
    const closedAt = Date.now();
    await doomed.connection()!.close();
    const err = await (async () => {
      for await (const _ of stream) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelayTimeoutError);
    expect(Date.now() - closedAt).toBeLessThan(FAST.timeoutMs + 3 * FAST.keepaliveMs + 500);
  });

  it("reports no responders as unavailable, at once", async () => {
    const started = Date.now();
    const err = await openRelay(requester, "test.relay.nobody", {}, FAST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelayUnavailableError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("times out when the responder never answers", async () => {
    const subject = `test.relay.silent.${++n}`;
    responder.subscribe(subject, () => undefined);
    await responder.connection()!.flush();
    const err = await openRelay(requester, subject, {}, { ...FAST, acceptTimeoutMs: 300 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RelayTimeoutError);
  });
});
