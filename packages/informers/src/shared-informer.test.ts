import { afterEach, describe, expect, it, vi } from "vitest";
import type { Pod } from "@ktl/api";
import { FakeClock } from "./clock.js";
import { FakeListerWatcher } from "./fake-lister-watcher.js";
import { silentLogger, type Logger } from "./log.js";
import { SharedInformer, type EventHandler, type SharedInformerOptions } from "./shared-informer.js";
import { DeletedFinalStateUnknown, type DeepReadonly } from "./store.js";

function pod(name: string, rv: string, extra: { uid?: string; node?: string } = {}): Pod {
  return {
    metadata: { name, namespace: "default", uid: extra.uid ?? `uid-${name}`, resourceVersion: rv },
    spec: { nodeName: extra.node },
  };
}

const label = (p: DeepReadonly<Pod>): string => `${p.metadata?.name}@${p.metadata?.resourceVersion}`;

/** A handler that writes what it is told into `log`. */
function recorder(log: string[]): EventHandler<Pod> {
  return {
    onAdd: (p) => void log.push(`add ${label(p)}`),
    onUpdate: (o, n) => void log.push(`update ${label(o)} -> ${label(n)}`),
    onDelete: (p) =>
      void log.push(
        p instanceof DeletedFinalStateUnknown ? `tombstone ${p.key} ${label(p.obj)}` : `delete ${label(p)}`,
      ),
  };
}

const until = (check: () => void): Promise<void> => vi.waitFor(check, { interval: 1, timeout: 2000 });

let abort: AbortController;
afterEach(() => abort?.abort());

function setup(items: Pod[] = [], options: SharedInformerOptions<Pod> = {}) {
  abort = new AbortController();
  const clock = new FakeClock();
  const lw = new FakeListerWatcher<Pod>({ items, resourceVersion: "100" });
  const informer = new SharedInformer<Pod>(lw, {
    clock,
    random: () => 0,
    logger: silentLogger,
    watchIdleTimeoutMs: 0,
    ...options,
  });
  const log: string[] = [];
  const registration = informer.addEventHandler(recorder(log));
  return { abort, clock, lw, informer, log, registration };
}

describe("SharedInformer", () => {
  it("delivers the initial list as adds, then the watch's changes in order", async () => {
    const { lw, informer, log, registration } = setup([pod("a", "1"), pod("b", "2")]);
    expect(informer.hasSynced()).toBe(false);
    const synced = informer.waitForSync(abort.signal);
    void informer.start(abort.signal);
    expect(await synced).toBe(true);
    expect(informer.hasSynced()).toBe(true);
    await until(() => expect(registration.hasSynced()).toBe(true));

    const w = await lw.watchAt(0);
    w.added(pod("c", "101")).modified(pod("a", "102")).deleted(pod("b", "103")).modified(pod("c", "104"));
    await until(() => expect(log).toHaveLength(6));
    expect(log).toEqual([
      "add a@1",
      "add b@2",
      "add c@101",
      "update a@1 -> a@102",
      "delete b@103",
      "update c@101 -> c@104",
    ]);
    expect(informer.store.listKeys().sort()).toEqual(["default/a", "default/c"]);
    expect(informer.lastSyncResourceVersion).toBe("104");
  });

  it("never repeats an event: same resourceVersion and deletes of unknown objects notify nobody", async () => {
    const { lw, informer, log } = setup([pod("a", "1")]);
    void informer.start(abort.signal);
    const w = await lw.watchAt(0);
    w.added(pod("a", "1")).modified(pod("a", "1")).deleted(pod("zz", "5")).modified(pod("a", "2"));
    await until(() => expect(log).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 10));
    expect(log).toEqual(["add a@1", "update a@1 -> a@2"]);
  });

  it("on relist after a 410, delivers changes, and tombstones for what was deleted while away", async () => {
    const { clock, lw, informer, log } = setup([pod("a", "1"), pod("b", "2"), pod("c", "3"), pod("d", "4")]);
    void informer.start(abort.signal);
    const w0 = await lw.watchAt(0);
    await until(() => expect(log).toHaveLength(4));

    // While the informer was away: b deleted, c changed, d deleted and recreated, e created.
    lw.items = [pod("a", "1"), pod("c", "150"), pod("d", "160", { uid: "uid-d2" }), pod("e", "170")];
    lw.resourceVersion = "200";
    w0.expired();
    await until(() => expect(clock.pending()).toEqual([800]));
    clock.advance(800);
    await lw.watchAt(1);
    await until(() => expect(log).toHaveLength(9));
    expect(log.slice(4)).toEqual([
      "tombstone default/b b@2",
      "update c@3 -> c@150",
      "tombstone default/d d@4",
      "add d@160",
      "add e@170",
    ]);
    expect(informer.store.get("default/d")?.metadata?.uid).toBe("uid-d2");
    expect(informer.store.has("default/b")).toBe(false);
  });

  it("gives a handler added after start an add for every cached object, then live events", async () => {
    const { lw, informer, log } = setup([pod("a", "1")]);
    void informer.start(abort.signal);
    const w = await lw.watchAt(0);
    w.added(pod("b", "101"));
    await until(() => expect(log).toHaveLength(2));

    const late: string[] = [];
    const registration = informer.addEventHandler(recorder(late));
    expect(registration.hasSynced()).toBe(false);
    w.modified(pod("a", "102"));
    await until(() => expect(late).toHaveLength(3));
    expect(late).toEqual(["add a@1", "add b@101", "update a@1 -> a@102"]);
    expect(registration.hasSynced()).toBe(true);
  });

  it("lets a slow handler fall behind without holding up the stream or other handlers", async () => {
    const { lw, informer, log } = setup();
    const slow: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    informer.addEventHandler({
      onAdd: async (p) => {
        await gate;
        slow.push(`add ${label(p)}`);
      },
      onUpdate: (o, n) => void slow.push(`update ${label(o)} -> ${label(n)}`),
    });
    void informer.start(abort.signal);
    const w = await lw.watchAt(0);
    w.added(pod("a", "101"));
    for (let rv = 102; rv < 300; rv++) w.modified(pod("a", String(rv)));
    await until(() => expect(log).toHaveLength(199));
    expect(informer.store.get("default/a")?.metadata?.resourceVersion).toBe("299");
    expect(slow).toEqual([]);

    release();
    await until(() => expect(slow).toHaveLength(199));
    expect(slow[0]).toBe("add a@101");
    expect(slow[1]).toBe("update a@101 -> a@102");
    expect(slow[198]).toBe("update a@298 -> a@299");
  });

  it("awaits each handler call before the next, so async handlers keep order", async () => {
    const { lw, informer } = setup();
    const seen: string[] = [];
    let active = 0;
    informer.addEventHandler({
      onAdd: async (p) => {
        expect(++active).toBe(1);
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        seen.push(label(p));
        active--;
      },
      onUpdate: async (_o, n) => {
        expect(++active).toBe(1);
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        seen.push(label(n));
        active--;
      },
    });
    void informer.start(abort.signal);
    const w = await lw.watchAt(0);
    for (let i = 1; i <= 10; i++) w.added(pod(`p${i}`, String(i))).modified(pod(`p${i}`, String(i + 100)));
    await until(() => expect(seen).toHaveLength(20));
    expect(seen.slice(0, 4)).toEqual(["p1@1", "p1@101", "p2@2", "p2@102"]);
  });

  it("resyncs every resyncMs with onUpdate(obj, obj); per handler, and 0 turns it off", async () => {
    const { clock, lw, informer, log } = setup([pod("a", "1"), pod("b", "2")], { resyncMs: 1000 });
    const fast: string[] = [];
    informer.addEventHandler(recorder(fast), { resyncMs: 300 });
    const never: string[] = [];
    informer.addEventHandler(recorder(never), { resyncMs: 0 });
    void informer.start(abort.signal);
    await lw.watchAt(0);
    await until(() => expect(never).toHaveLength(2));
    await until(() => expect(clock.pending().sort((x, y) => x - y)).toEqual([300, 1000]));

    clock.advance(300);
    await until(() => expect(fast).toHaveLength(4));
    expect(fast.slice(2).sort()).toEqual(["update a@1 -> a@1", "update b@2 -> b@2"]);
    expect(log).toHaveLength(2);

    clock.advance(700);
    await until(() => expect(log).toHaveLength(4));
    expect(log.slice(2).sort()).toEqual(["update a@1 -> a@1", "update b@2 -> b@2"]);
    expect(never).toHaveLength(2);
  });

  it("skips a resync round while the handler is still on the previous one", async () => {
    const warn = vi.fn();
    const logger: Logger = { ...silentLogger, warn };
    const { clock, lw, informer } = setup([pod("a", "1")], { logger });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const updates: string[] = [];
    informer.addEventHandler(
      {
        onUpdate: async (_o, n) => {
          await gate;
          updates.push(label(n));
        },
      },
      { resyncMs: 100 },
    );
    void informer.start(abort.signal);
    await lw.watchAt(0);
    for (let i = 0; i < 3; i++) {
      await until(() => expect(clock.pending()).toContain(100));
      clock.advance(100);
    }
    await until(() => expect(warn).toHaveBeenCalledTimes(2));
    release();
    await until(() => expect(updates).toEqual(["a@1"]));
  });

  it("logs a handler that throws and goes on delivering", async () => {
    const error = vi.fn();
    const { lw, informer, log } = setup([], { logger: { ...silentLogger, error } });
    informer.addEventHandler({
      onAdd: () => {
        throw new Error("boom");
      },
    });
    void informer.start(abort.signal);
    const w = await lw.watchAt(0);
    w.added(pod("a", "1")).added(pod("b", "2"));
    await until(() => expect(error).toHaveBeenCalledTimes(2));
    expect(error.mock.calls[0]?.[1]).toMatchObject({ event: "add", error: "boom" });
    expect(log).toEqual(["add a@1", "add b@2"]);
  });

  it("stops a removed handler", async () => {
    const { lw, informer } = setup();
    const seen: string[] = [];
    const registration = informer.addEventHandler(recorder(seen), { resyncMs: 50 });
    void informer.start(abort.signal);
    const w = await lw.watchAt(0);
    w.added(pod("a", "1"));
    await until(() => expect(seen).toHaveLength(1));
    registration.remove();
    w.added(pod("b", "2"));
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual(["add a@1"]);
  });

  it("serves index lookups and accepts indexers after start", async () => {
    const { lw, informer } = setup([pod("a", "1", { node: "n1" }), pod("b", "2", { node: "n2" })]);
    void informer.start(abort.signal);
    await informer.waitForSync(abort.signal);
    expect(informer.indexer.listByIndex("byNodeName", "n1").map(label)).toEqual(["a@1"]);
    informer.addIndexers({ byName: (p) => [p.metadata?.name ?? ""] });
    expect(informer.indexer.listByIndex("byName", "b").map(label)).toEqual(["b@2"]);
    (await lw.watchAt(0)).modified(pod("a", "3", { node: "n2" }));
    await until(() =>
      expect(informer.indexer.indexKeys("byNodeName", "n2").sort()).toEqual(["default/a", "default/b"]),
    );
  });

  it("starts once, stops on abort, and reports no sync if aborted first", async () => {
    const { lw, informer } = setup();
    lw.listErrors.push(new Error("down"));
    const stopped = informer.start(abort.signal);
    expect(informer.start(abort.signal)).toBe(stopped);
    const waiting = informer.waitForSync(abort.signal);
    abort.abort();
    expect(await waiting).toBe(false);
    await stopped;
    expect(informer.hasSynced()).toBe(false);
  });
});
