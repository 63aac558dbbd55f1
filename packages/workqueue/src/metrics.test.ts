import { describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock.js";
import { LatencyHistogram, WorkQueueMetrics } from "./metrics.js";
import { WorkQueue } from "./queue.js";

describe("LatencyHistogram", () => {
  it("reports zeros when empty", () => {
    const s = new LatencyHistogram().summary();
    expect([s.count, s.sumMs, s.maxMs, s.p50Ms, s.p99Ms]).toEqual([0, 0, 0, 0, 0]);
  });

  it("is exact for a single value", () => {
    const h = new LatencyHistogram();
    h.observe(7);
    expect(h.quantile(0.5)).toBe(7);
    expect(h.quantile(0.99)).toBe(7);
  });

  it("estimates quantiles within the right bucket", () => {
    const h = new LatencyHistogram([10, 100, 1000]);
    for (let i = 1; i <= 100; i++) h.observe(i * 5); // 5 ms … 500 ms
    const s = h.summary();
    expect(s.count).toBe(100);
    expect(s.sumMs).toBe(25_250);
    expect(s.maxMs).toBe(500);
    expect(s.p50Ms).toBeGreaterThan(100);
    expect(s.p50Ms).toBeLessThanOrEqual(1000);
    expect(Math.abs(s.p50Ms - 250)).toBeLessThan(50);
    expect(s.p99Ms).toBeGreaterThan(400);
    expect(s.p99Ms).toBeLessThanOrEqual(500);
    expect(s.buckets).toEqual([
      { leMs: 10, count: 2 },
      { leMs: 100, count: 20 },
      { leMs: 1000, count: 100 },
      { leMs: Infinity, count: 100 },
    ]);
  });

  it("puts values past the last bound in the overflow bucket", () => {
    const h = new LatencyHistogram([1]);
    h.observe(5000);
    expect(h.summary().buckets).toEqual([
      { leMs: 1, count: 0 },
      { leMs: Infinity, count: 1 },
    ]);
    expect(h.quantile(0.99)).toBe(5000);
  });

  it("refuses bounds that do not increase", () => {
    expect(() => new LatencyHistogram([1, 1])).toThrow(RangeError);
  });
});

describe("queue metrics", () => {
  function setup() {
    const clock = new FakeClock();
    const metrics = new WorkQueueMetrics({ clock });
    const q = new WorkQueue({ clock, metrics });
    return { clock, q };
  }

  it("counts adds and depth, once per dirty key", async () => {
    const { q } = setup();
    q.add("a");
    q.add("a");
    q.add("b");
    expect(q.metrics.snapshot()).toMatchObject({ adds: 2, depth: 2, retries: 0 });
    await q.get();
    expect(q.metrics.snapshot()).toMatchObject({ adds: 2, depth: 1 });
  });

  it("measures queue latency from the first add to the hand-out", async () => {
    const { clock, q } = setup();
    q.add("a");
    clock.step(30);
    q.add("a"); // duplicate: keeps the first add time
    clock.step(20);
    await q.get();
    const s = q.metrics.snapshot().queueLatency;
    expect(s.count).toBe(1);
    expect(s.p50Ms).toBe(50);
    expect(s.p99Ms).toBe(50);
  });

  it("measures work duration and the work still in flight", async () => {
    const { clock, q } = setup();
    q.add("a");
    q.add("b");
    const a = await q.get();
    clock.step(10);
    const b = await q.get();
    clock.step(40);
    let s = q.metrics.snapshot();
    expect(s.unfinishedWorkMs).toBe(50 + 40);
    expect(s.longestRunningProcessorMs).toBe(50);
    q.done(a ?? "");
    q.done(b ?? "");
    s = q.metrics.snapshot();
    expect(s.workDuration.count).toBe(2);
    expect(s.workDuration.sumMs).toBe(90);
    expect(s.workDuration.maxMs).toBe(50);
    expect(s.unfinishedWorkMs).toBe(0);
    expect(s.longestRunningProcessorMs).toBe(0);
  });

  it("counts a key re-added in flight once more in depth and adds", async () => {
    const { clock, q } = setup();
    q.add("a");
    await q.get();
    clock.step(5);
    q.add("a");
    expect(q.metrics.snapshot()).toMatchObject({ adds: 2, depth: 1 });
    clock.step(5);
    q.done("a");
    await q.get();
    const s = q.metrics.snapshot();
    expect(s.depth).toBe(0);
    expect(s.queueLatency.count).toBe(2);
    expect(s.queueLatency.maxMs).toBe(5);
  });

  it("returns a copy", async () => {
    const { q } = setup();
    const before = q.metrics.snapshot();
    q.add("a");
    await q.get();
    expect(before.adds).toBe(0);
    expect(before.queueLatency.count).toBe(0);
  });
});
