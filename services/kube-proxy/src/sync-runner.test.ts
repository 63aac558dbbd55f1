import { afterEach, describe, expect, it } from "vitest";
import { SyncRunner } from "./sync-runner.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("SyncRunner", () => {
  let runner: SyncRunner | undefined;
  afterEach(() => runner?.stop());

  it("batches changes within the minimum interval into one sync, and reports their age", async () => {
    const calls: (number | undefined)[] = [];
    runner = new SyncRunner(
      async (since) => {
        calls.push(since === undefined ? undefined : performance.now() - since);
        await sleep(5);
      },
      { minIntervalMs: 100, periodMs: 60_000, onError: () => undefined },
    );
    await runner.runNow();
    for (let i = 0; i < 10; i++) {
      runner.request();
      await sleep(5);
    }
    await sleep(200);
    expect(calls).toHaveLength(2);
    // The second sync covered a change made ~100 ms earlier (the first request).
    expect(calls[1]).toBeGreaterThanOrEqual(80);
  });

  it("retries a failed sync with back-off and keeps the pending change", async () => {
    let attempts = 0;
    const errors: number[] = [];
    runner = new SyncRunner(
      () => {
        attempts++;
        return attempts < 3 ? Promise.reject(new Error("nft failed")) : Promise.resolve();
      },
      { minIntervalMs: 0, periodMs: 60_000, onError: (_, failures) => errors.push(failures) },
    );
    runner.request();
    await sleep(2000);
    expect(errors).toEqual([1, 2]);
    expect(attempts).toBe(3);
  });

  it("resyncs periodically without changes, with no change age", async () => {
    const calls: (number | undefined)[] = [];
    runner = new SyncRunner(
      (since) => {
        calls.push(since);
        return Promise.resolve();
      },
      { minIntervalMs: 0, periodMs: 50, onError: () => undefined },
    );
    await runner.runNow();
    await sleep(180);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.slice(1).every((c) => c === undefined)).toBe(true);
  });
});
