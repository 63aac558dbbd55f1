import { afterEach, describe, expect, it, vi } from "vitest";
import type { Pod } from "@ktl/api";
import { resourceExpired, serviceUnavailable } from "@ktl/apimachinery";
import { FakeClock } from "./clock.js";
import { FakeListerWatcher } from "./fake-lister-watcher.js";
import { silentLogger } from "./log.js";
import { Reflector, type ReflectorStore } from "./reflector.js";

function pod(name: string, rv: string): Pod {
  return { metadata: { name, namespace: "default", uid: `uid-${name}`, resourceVersion: rv } };
}

const label = (p: Pod): string => `${p.metadata?.name}@${p.metadata?.resourceVersion}`;

/** A store that records what the reflector told it. */
function recorder(): { ops: string[]; store: ReflectorStore<Pod> } {
  const ops: string[] = [];
  return {
    ops,
    store: {
      add: (p) => void ops.push(`add ${label(p)}`),
      update: (p) => void ops.push(`update ${label(p)}`),
      delete: (p) => void ops.push(`delete ${label(p)}`),
      replace: (items, rv) => void ops.push(`replace ${items.length}@${rv}`),
    },
  };
}

const until = (check: () => void): Promise<void> => vi.waitFor(check, { interval: 1, timeout: 2000 });

let abort: AbortController;
afterEach(() => abort?.abort());

function setup(items: Pod[] = [], listErrors: (Error | undefined)[] = [], idleMs = 0) {
  abort = new AbortController();
  const clock = new FakeClock();
  const lw = new FakeListerWatcher<Pod>({ items, resourceVersion: "100" });
  lw.listErrors.push(...listErrors);
  const { ops, store } = recorder();
  const reflector = new Reflector(lw, store, {
    clock,
    random: () => 0,
    logger: silentLogger,
    watchIdleTimeoutMs: idleMs,
  });
  const done = reflector.run(abort.signal);
  /** Waits until the reflector sleeps, checks the delay it chose, and lets it go on. */
  const expectBackoff = async (ms: number): Promise<void> => {
    await until(() => expect(clock.pending()).toEqual([ms]));
    clock.advance(ms);
  };
  return { clock, lw, ops, reflector, done, expectBackoff };
}

describe("Reflector", () => {
  it("lists in pages of 500, then watches from the list's resourceVersion", async () => {
    const items = Array.from({ length: 1201 }, (_, i) => pod(`p${i}`, "7"));
    const { lw, ops, reflector } = setup(items);
    const w = await lw.watchAt(0);
    expect(lw.listRequests).toEqual([
      { limit: 500 },
      { limit: 500, continue: "500" },
      { limit: 500, continue: "1000" },
    ]);
    expect(ops).toEqual(["replace 1201@100"]);
    expect(w.request).toEqual({ resourceVersion: "100", allowWatchBookmarks: true });
    expect(reflector.lastSyncResourceVersion).toBe("100");
  });

  it("applies watch events in order and resumes a dropped stream from the last resourceVersion seen", async () => {
    const { lw, ops, reflector, expectBackoff } = setup([pod("a", "90")]);
    const w0 = await lw.watchAt(0);
    w0.added(pod("b", "101")).modified(pod("a", "102")).deleted(pod("b", "103")).bookmark("110");
    w0.end();
    await expectBackoff(800);
    const w1 = await lw.watchAt(1);
    expect(w1.request.resourceVersion).toBe("110");
    expect(ops).toEqual(["replace 1@100", "add b@101", "update a@102", "delete b@103"]);
    expect(reflector.lastSyncResourceVersion).toBe("110");

    // A stream that breaks (apiserver unreachable) is resumed, not relisted; after an object
    // event from the revision before (others may share its revision), see the next test.
    w1.modified(pod("a", "111"));
    w1.fail(serviceUnavailable("the apiserver is unreachable"));
    await expectBackoff(1600);
    const w2 = await lw.watchAt(2);
    expect(w2.request.resourceVersion).toBe("110");
    expect(lw.listRequests).toHaveLength(1);
    expect(w0.closed && w1.closed).toBe(true);
  });

  it("resumes a stream that broke inside a shared revision without losing or repeating its events", async () => {
    const { lw, ops, expectBackoff } = setup([pod("a", "90"), pod("b", "91")]);
    const w0 = await lw.watchAt(0);
    // One etcd transaction bound a, b and c at revision 105; the stream broke after a.
    w0.modified(pod("a", "105"));
    w0.end();
    await expectBackoff(800);
    const w1 = await lw.watchAt(1);
    expect(w1.request.resourceVersion).toBe("104");
    w1.modified(pod("a", "105")).modified(pod("b", "105")).added(pod("c", "105")).modified(pod("a", "106"));
    await until(() => expect(ops).toHaveLength(5));
    expect(ops).toEqual(["replace 2@100", "update a@105", "update b@105", "add c@105", "update a@106"]);
  });

  it("relists on a 410 ERROR event and watches from the new list", async () => {
    const { lw, ops, expectBackoff } = setup([pod("a", "90"), pod("b", "91")]);
    const w0 = await lw.watchAt(0);
    w0.modified(pod("a", "101"));
    lw.items = [pod("a", "150")];
    lw.resourceVersion = "200";
    w0.expired();
    await expectBackoff(800);
    const w1 = await lw.watchAt(1);
    expect(lw.listRequests).toHaveLength(2);
    expect(lw.listRequests[1]).toEqual({ limit: 500 });
    expect(ops).toEqual(["replace 2@100", "update a@101", "replace 1@200"]);
    expect(w1.request.resourceVersion).toBe("200");
    expect(w0.closed).toBe(true);
  });

  it("relists when the watch call itself fails with 410", async () => {
    const { lw, ops, expectBackoff } = setup();
    (await lw.watchAt(0)).fail(resourceExpired("too old resource version: 100 (150)"));
    await expectBackoff(800);
    await lw.watchAt(1);
    expect(ops).toEqual(["replace 0@100", "replace 0@100"]);
  });

  it("retries a failed list with growing back-off", async () => {
    const down = serviceUnavailable("down");
    const { lw, ops, expectBackoff } = setup([pod("a", "1")], [down, down, down]);
    await expectBackoff(800);
    await expectBackoff(1600);
    await expectBackoff(3200);
    await lw.watchAt(0);
    expect(lw.listRequests).toHaveLength(4);
    expect(ops).toEqual(["replace 1@100"]);
  });

  it("falls back to one unpaginated list when a continue token expires", async () => {
    const items = Array.from({ length: 700 }, (_, i) => pod(`p${i}`, "1"));
    const { lw, ops } = setup(items, [undefined, resourceExpired("continue token expired")]);
    await lw.watchAt(0);
    expect(lw.listRequests).toEqual([{ limit: 500 }, { limit: 500, continue: "500" }, {}]);
    expect(ops).toEqual(["replace 700@100"]);
  });

  it("resets the back-off once the connection has been healthy for two minutes", async () => {
    const { lw, clock, expectBackoff } = setup();
    (await lw.watchAt(0)).end();
    await expectBackoff(800);
    (await lw.watchAt(1)).end();
    await expectBackoff(1600);
    const w2 = await lw.watchAt(2);
    clock.advance(120_000); // a healthy watch
    w2.end();
    await expectBackoff(800);
    await lw.watchAt(3);
  });

  it("gives up on a watch silent for watchIdleTimeoutMs and resumes it", async () => {
    const { lw, clock, reflector } = setup([], [], 60_000);
    const w0 = await lw.watchAt(0);
    await until(() => expect(clock.pending()).toEqual([60_000]));
    clock.advance(50_000);
    w0.bookmark("120"); // any event counts as a sign of life
    await until(() => expect(reflector.lastSyncResourceVersion).toBe("120"));
    clock.advance(10_000);
    // Idle for 10 s of the 60: the watchdog waits out the remaining 50.
    await until(() => expect(clock.pending()).toEqual([50_000]));
    clock.advance(50_000);
    // Silent for 60 s: the stream is closed and, after the back-off, resumed.
    await until(() => expect(clock.pending()).toEqual([800]));
    expect(w0.closed).toBe(true);
    clock.advance(800);
    expect((await lw.watchAt(1)).request.resourceVersion).toBe("120");
    expect(lw.listRequests).toHaveLength(1);
  });

  it("stops on abort, while watching or while backing off", async () => {
    const first = setup();
    const w = await first.lw.watchAt(0);
    abort.abort();
    await first.done;
    expect(w.closed).toBe(true);

    const second = setup();
    (await second.lw.watchAt(0)).end();
    await until(() => expect(second.clock.pending()).toHaveLength(1));
    abort.abort();
    await second.done;
    expect(second.lw.watches).toHaveLength(1);
  });
});
