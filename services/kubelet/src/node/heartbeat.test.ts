import { describe, expect, it } from "vitest";
import { FakeClock } from "../probes/fake-clock.js";
import { TimerQueue } from "../probes/timer-queue.js";
import type { HeartbeatMessage } from "@ktl/nats";
import { HeartbeatPublisher, type HeartbeatBus } from "./heartbeat.js";

function fakeBus() {
  const published: { subject: string; data: string }[] = [];
  const handlers = new Map<string, () => void>();
  let up = true;
  const bus: HeartbeatBus = {
    publish: (subject, data) => {
      if (!up) return false;
      published.push({ subject, data: String(data) });
      return true;
    },
    subscribe: (subject, handler) => {
      handlers.set(subject, () => handler(new Uint8Array(), subject));
      return () => handlers.delete(subject);
    },
  };
  return { bus, published, handlers, setUp: (v: boolean) => (up = v) };
}

describe("HeartbeatPublisher", () => {
  it("beats at once and then every interval on node.heartbeat.<node>, until stopped", async () => {
    const clock = new FakeClock();
    const timers = new TimerQueue(clock);
    const f = fakeBus();
    let ready = true;
    const hb = new HeartbeatPublisher({
      bus: f.bus,
      nodeName: "n1",
      timers,
      intervalMs: 5_000,
      ready: () => ready,
    });
    hb.start();
    await clock.advance(0);
    expect(f.published).toHaveLength(1);
    expect(f.published[0]?.subject).toBe("node.heartbeat.n1");
    expect(JSON.parse(f.published[0]?.data ?? "")).toEqual({ node: "n1", ts: clock.now(), ready: true });
    ready = false;
    await clock.advance(4_999);
    expect(f.published).toHaveLength(1);
    await clock.advance(1);
    expect(f.published).toHaveLength(2);
    expect((JSON.parse(f.published[1]?.data ?? "") as HeartbeatMessage).ready).toBe(false);
    f.setUp(false);
    await clock.advance(5_000);
    expect([hb.sent, hb.dropped]).toEqual([2, 1]);
    f.setUp(true);
    hb.stop();
    await clock.advance(60_000);
    expect(f.published).toHaveLength(2);
    expect(timers.size).toBe(0);
  });

  it("spreads the first beat and passes resync requests on", async () => {
    const clock = new FakeClock();
    const timers = new TimerQueue(clock);
    const f = fakeBus();
    let resyncs = 0;
    const hb = new HeartbeatPublisher({
      bus: f.bus,
      nodeName: "n2",
      timers,
      intervalMs: 10_000,
      ready: () => true,
      spread: () => 0.5,
      onResync: () => resyncs++,
    });
    hb.start();
    await clock.advance(4_999);
    expect(f.published).toHaveLength(0);
    await clock.advance(1);
    expect(f.published).toHaveLength(1);
    f.handlers.get("node.status.resync.n2")?.();
    expect(resyncs).toBe(1);
    hb.stop();
    expect(f.handlers.size).toBe(0);
  });
});
