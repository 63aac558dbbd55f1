import { describe, expect, it } from "vitest";
import { DelayingWorkQueue } from "./delaying-queue.js";
import { FakeClock } from "./fake-clock.js";

function setup() {
  const clock = new FakeClock();
  const q = new DelayingWorkQueue({ clock });
  return { clock, q };
}

/** Takes every queued key without waiting. */
async function drain(q: DelayingWorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (q.len() > 0) {
    const key = await q.get();
    if (key === undefined) break;
    keys.push(key);
    q.done(key);
  }
  return keys;
}

describe("DelayingWorkQueue", () => {
  it("adds a key once its delay has passed", async () => {
    const { clock, q } = setup();
    q.addAfter("a", 50);
    expect(q.len()).toBe(0);
    expect(q.waitingLen()).toBe(1);
    clock.step(49);
    expect(q.len()).toBe(0);
    clock.step(1);
    expect(q.len()).toBe(1);
    expect(q.waitingLen()).toBe(0);
    expect(await q.get()).toBe("a");
  });

  it("wakes a waiting worker when the delay passes", async () => {
    const { clock, q } = setup();
    const got = q.get();
    q.addAfter("a", 10);
    clock.step(10);
    expect(await got).toBe("a");
  });

  it("adds at once for a delay ≤ 0", () => {
    const { q } = setup();
    q.addAfter("a", 0);
    q.addAfter("b", -5);
    expect(q.len()).toBe(2);
    expect(q.waitingLen()).toBe(0);
  });

  it("adds due keys in time order, equal times in call order", async () => {
    const { clock, q } = setup();
    q.addAfter("c", 30);
    q.addAfter("a", 10);
    q.addAfter("b", 20);
    q.addAfter("b2", 20);
    q.addAfter("d", 40);
    clock.step(25);
    expect(await drain(q)).toEqual(["a", "b", "b2"]);
    clock.step(100);
    expect(await drain(q)).toEqual(["c", "d"]);
  });

  it("keeps the earlier time when a waiting key is added again", async () => {
    const { clock, q } = setup();
    q.addAfter("a", 100);
    q.addAfter("a", 10); // earlier: wins
    q.addAfter("a", 500); // later: ignored
    expect(q.waitingLen()).toBe(1);
    clock.step(10);
    expect(await drain(q)).toEqual(["a"]);
    clock.step(1000);
    expect(q.len()).toBe(0); // not added a second time
  });

  it("keeps a single timer, set for the earliest key", () => {
    const { clock, q } = setup();
    q.addAfter("a", 300);
    q.addAfter("b", 100);
    q.addAfter("c", 200);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextTimerAt()).toBe(100);
    clock.step(100);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextTimerAt()).toBe(200);
    clock.step(200);
    expect(clock.pendingTimers).toBe(0);
  });

  it("de-duplicates against a key already queued", async () => {
    const { clock, q } = setup();
    q.add("a");
    q.addAfter("a", 10);
    clock.step(10);
    expect(await drain(q)).toEqual(["a"]);
  });

  it("drops waiting keys and stops its timer on shutdown", async () => {
    const { clock, q } = setup();
    q.addAfter("a", 10);
    q.shutDown();
    expect(clock.pendingTimers).toBe(0);
    expect(q.waitingLen()).toBe(0);
    q.addAfter("b", 10);
    q.addAfter("c", 0);
    clock.step(100);
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
  });

  it("stops its timer on shutDownWithDrain too", async () => {
    const { clock, q } = setup();
    q.addAfter("a", 10);
    await q.shutDownWithDrain();
    expect(clock.pendingTimers).toBe(0);
  });

  it("counts every delayed add as a retry", () => {
    const { q } = setup();
    q.addAfter("a", 10);
    q.addAfter("a", 5);
    q.addAfter("b", 0);
    expect(q.metrics.snapshot().retries).toBe(3);
  });
});

describe("DelayingWorkQueue on the real clock", () => {
  it("adds a key after its delay", async () => {
    const q = new DelayingWorkQueue();
    const started = performance.now();
    q.addAfter("a", 20);
    expect(await q.get()).toBe("a");
    expect(performance.now() - started).toBeGreaterThanOrEqual(19);
    q.shutDown();
  });
});
