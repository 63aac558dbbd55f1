import { describe, expect, it } from "vitest";
import type { Logger } from "@ktl/service";
import { PodWorkers, type WorkResult } from "./pod-workers.js";

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("PodWorkers", () => {
  it("serializes syncs of one key, runs keys in parallel and coalesces requests", async () => {
    const active = new Map<string, number>();
    let maxSameKey = 0;
    let maxAll = 0;
    const calls: string[] = [];
    const workers = new PodWorkers({
      log: quiet,
      resyncMs: 0,
      sync: async (key): Promise<WorkResult> => {
        calls.push(key);
        active.set(key, (active.get(key) ?? 0) + 1);
        maxSameKey = Math.max(maxSameKey, active.get(key) ?? 0);
        maxAll = Math.max(
          maxAll,
          [...active.values()].reduce((a, b) => a + b, 0),
        );
        await sleep(20);
        active.set(key, (active.get(key) ?? 0) - 1);
        return {};
      },
    });
    workers.enqueue("a");
    workers.enqueue("a");
    workers.enqueue("b");
    await sleep(5);
    // Requests during a sync make exactly one more sync afterwards.
    workers.enqueue("a");
    workers.enqueue("a");
    await sleep(80);
    expect(calls.filter((k) => k === "a")).toHaveLength(2);
    expect(calls.filter((k) => k === "b")).toHaveLength(1);
    expect(maxSameKey).toBe(1);
    expect(maxAll).toBe(2);
    await workers.stop();
  });

  it("requeues after the delay asked for, retries failures with back-off and forgets finished keys", async () => {
    const times: number[] = [];
    const start = Date.now();
    let failures = 2;
    const workers = new PodWorkers({
      log: quiet,
      resyncMs: 0,
      retryMs: 10,
      sync: (): Promise<WorkResult> => {
        times.push(Date.now() - start);
        if (failures-- > 0) return Promise.reject(new Error("runtime down"));
        if (times.length === 3) return Promise.resolve({ requeueAfterMs: 30 });
        return Promise.resolve({ finished: true });
      },
    });
    workers.enqueue("p");
    await sleep(120);
    expect(times).toHaveLength(4);
    expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(18);
    expect((times[3] ?? 0) - (times[2] ?? 0)).toBeGreaterThanOrEqual(28);
    expect(workers.has("p")).toBe(false);
    await workers.stop();
  });

  it("keeps the earliest of several delayed requests and stops taking work on stop", async () => {
    const calls: number[] = [];
    const workers = new PodWorkers({
      log: quiet,
      resyncMs: 0,
      sync: () => {
        calls.push(Date.now());
        return Promise.resolve({});
      },
    });
    workers.enqueueAfter("p", 200);
    workers.enqueueAfter("p", 10);
    workers.enqueueAfter("p", 100);
    await sleep(50);
    expect(calls).toHaveLength(1);
    await workers.stop();
    workers.enqueue("p");
    await sleep(10);
    expect(calls).toHaveLength(1);
  });
});
