import { describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock.js";
import { WorkQueue } from "./queue.js";

/** Lets promise callbacks queued so far run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function newQueue() {
  return new WorkQueue({ name: "test", clock: new FakeClock() });
}

describe("WorkQueue", () => {
  it("hands keys out in FIFO order", async () => {
    const q = newQueue();
    q.add("a");
    q.add("b");
    q.add("c");
    expect(q.len()).toBe(3);
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBe("b");
    expect(await q.get()).toBe("c");
    expect(q.len()).toBe(0);
  });

  it("de-duplicates a key added again before it is handed out", async () => {
    const q = newQueue();
    q.add("a");
    q.add("b");
    q.add("a");
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBe("b");
    q.done("a");
    q.done("b");
    expect(q.len()).toBe(0);
  });

  it("re-queues a key added while in flight only when done, at the tail", async () => {
    const q = newQueue();
    q.add("a");
    expect(await q.get()).toBe("a");
    q.add("a");
    q.add("a");
    q.add("b");
    expect(q.len()).toBe(1); // only b: a waits for done
    expect(await q.get()).toBe("b");
    q.done("a");
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe("a");
    q.done("a");
    q.done("b");
    expect(q.len()).toBe(0);
  });

  it("never hands one key to two workers at once", async () => {
    const q = newQueue();
    const first = q.get();
    const second = q.get();
    q.add("a");
    expect(await first).toBe("a");
    q.add("a"); // a change arrives mid-reconcile
    let secondGot: string | undefined;
    void second.then((k) => (secondGot = k));
    await flush();
    expect(secondGot).toBeUndefined();
    q.done("a");
    await flush();
    expect(secondGot).toBe("a");
  });

  it("keeps every key with one worker at a time under concurrent workers", async () => {
    const q = newQueue();
    const inFlight = new Set<string>();
    const handled: string[] = [];
    let overlaps = 0;
    const worker = async () => {
      for (let key = await q.get(); key !== undefined; key = await q.get()) {
        if (inFlight.has(key)) overlaps++;
        inFlight.add(key);
        handled.push(key);
        await flush();
        if (handled.length < 20) q.add(key); // re-add while processing
        inFlight.delete(key);
        q.done(key);
      }
    };
    const workers = [worker(), worker(), worker(), worker()];
    for (const k of ["a", "b", "a", "c"]) q.add(k);
    while (handled.length < 20) await flush();
    await q.shutDownWithDrain();
    q.shutDown();
    await Promise.all(workers);
    expect(overlaps).toBe(0);
    expect(new Set(handled)).toEqual(new Set(["a", "b", "c"]));
  });

  it("serves waiting workers in call order", async () => {
    const q = newQueue();
    const got: string[] = [];
    const w1 = q.get().then((k) => got.push(`w1:${k}`));
    const w2 = q.get().then((k) => got.push(`w2:${k}`));
    q.add("x");
    q.add("y");
    await Promise.all([w1, w2]);
    expect(got).toEqual(["w1:x", "w2:y"]);
  });

  it("ignores done for a key that is not in flight", async () => {
    const q = newQueue();
    q.add("a");
    q.done("a"); // queued, not handed out: must not be queued twice
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe("a");
    q.done("a");
    q.done("a");
    expect(q.len()).toBe(0);
  });

  describe("shutDown", () => {
    it("releases idle workers with undefined and ignores further adds", async () => {
      const q = newQueue();
      const waiting = q.get();
      q.shutDown();
      expect(q.shuttingDown()).toBe(true);
      expect(await waiting).toBeUndefined();
      q.add("a");
      expect(q.len()).toBe(0);
      expect(await q.get()).toBeUndefined();
    });

    it("still hands out keys already queued, then undefined", async () => {
      const q = newQueue();
      q.add("a");
      q.add("b");
      q.shutDown();
      expect(await q.get()).toBe("a");
      expect(await q.get()).toBe("b");
      expect(await q.get()).toBeUndefined();
    });

    it("is idempotent", async () => {
      const q = newQueue();
      q.shutDown();
      q.shutDown();
      await q.shutDownWithDrain();
      expect(q.shuttingDown()).toBe(true);
    });
  });

  describe("shutDownWithDrain", () => {
    it("resolves at once when nothing is in flight", async () => {
      const q = newQueue();
      q.add("queued-but-never-taken");
      await q.shutDownWithDrain();
      expect(q.shuttingDown()).toBe(true);
    });

    it("waits until every key in flight is done", async () => {
      const q = newQueue();
      q.add("a");
      q.add("b");
      const a = await q.get();
      const b = await q.get();
      let drained = false;
      const drain = q.shutDownWithDrain().then(() => (drained = true));
      q.add("c"); // ignored: shutting down
      expect(q.len()).toBe(0);
      q.done(a ?? "");
      await flush();
      expect(drained).toBe(false);
      q.done(b ?? "");
      await drain;
      expect(drained).toBe(true);
    });

    it("is cut short by shutDown", async () => {
      const q = newQueue();
      q.add("a");
      await q.get();
      let drained = false;
      const drain = q.shutDownWithDrain().then(() => (drained = true));
      await flush();
      expect(drained).toBe(false);
      q.shutDown();
      await drain;
      expect(drained).toBe(true);
    });
  });
});
