import { describe, expect, it } from "vitest";
import { isGone } from "@ktl/apimachinery";
import type { KubeObject } from "./object.js";
import { WatchCache, type WatchEventType } from "./watch-cache.js";

const PREFIX = "/registry/core/pods/";
const obj = (name: string, rev: number, labels: Record<string, string> = {}): KubeObject => ({
  metadata: { name, namespace: "ns", resourceVersion: String(rev), labels },
});
const key = (name: string) => `${PREFIX}ns/${name}`;

function recorder() {
  const events: [WatchEventType, string | undefined][] = [];
  let closed: string | undefined;
  return {
    events,
    get closed() {
      return closed;
    },
    sink: {
      send: (type: WatchEventType, o: KubeObject) => {
        events.push([type, o.metadata?.name]);
        return true;
      },
      close: (reason: string) => {
        closed = reason;
      },
    },
  };
}

function seeded(capacity = 100): WatchCache {
  const cache = new WatchCache(PREFIX, capacity);
  cache.reset(
    [
      [key("b"), obj("b", 5)],
      [key("a"), obj("a", 4)],
    ],
    10,
  );
  return cache;
}

describe("WatchCache", () => {
  it("lists in key order, from a key, under a prefix", () => {
    const cache = seeded();
    cache.apply({ type: "ADDED", key: `${PREFIX}other/z`, obj: obj("z", 11), prev: undefined, rev: 11 });
    expect([...cache.list(`${PREFIX}ns/`)].map(([, o]) => o.metadata?.name)).toEqual(["a", "b"]);
    expect([...cache.list(PREFIX, key("a"))].map(([, o]) => o.metadata?.name)).toEqual(["b", "z"]);
  });

  it("replays events after a revision, then streams live ones", () => {
    const cache = seeded();
    cache.apply({ type: "ADDED", key: key("c"), obj: obj("c", 11), prev: undefined, rev: 11 });
    cache.apply({ type: "MODIFIED", key: key("a"), obj: obj("a", 12), prev: obj("a", 4), rev: 12 });
    const r = recorder();
    cache.watch({ fromRev: 11, prefix: PREFIX, matches: () => true, bookmarks: false }, r.sink);
    cache.apply({ type: "DELETED", key: key("b"), obj: obj("b", 13), prev: obj("b", 5), rev: 13 });
    expect(r.events).toEqual([
      ["MODIFIED", "a"],
      ["DELETED", "b"],
    ]);
  });

  it("starts with the current state as ADDED when no revision is given", () => {
    const r = recorder();
    seeded().watch({ fromRev: undefined, prefix: PREFIX, matches: () => true, bookmarks: false }, r.sink);
    expect(r.events).toEqual([
      ["ADDED", "a"],
      ["ADDED", "b"],
    ]);
  });

  it("turns objects entering and leaving a selector into ADDED and DELETED", () => {
    const cache = seeded();
    const r = recorder();
    const matches = (o: KubeObject) => o.metadata?.labels?.app === "web";
    cache.watch({ fromRev: 10, prefix: PREFIX, matches, bookmarks: false }, r.sink);
    cache.apply({
      type: "MODIFIED",
      key: key("a"),
      obj: obj("a", 11, { app: "web" }),
      prev: obj("a", 4),
      rev: 11,
    });
    cache.apply({
      type: "MODIFIED",
      key: key("a"),
      obj: obj("a", 12, { app: "web", x: "y" }),
      prev: obj("a", 11, { app: "web" }),
      rev: 12,
    });
    cache.apply({
      type: "MODIFIED",
      key: key("a"),
      obj: obj("a", 13),
      prev: obj("a", 12, { app: "web" }),
      rev: 13,
    });
    cache.apply({ type: "MODIFIED", key: key("b"), obj: obj("b", 14), prev: obj("b", 5), rev: 14 });
    expect(r.events).toEqual([
      ["ADDED", "a"],
      ["MODIFIED", "a"],
      ["DELETED", "a"],
    ]);
  });

  it("refuses a revision older than its window with 410", () => {
    const cache = seeded(2);
    for (let rev = 11; rev <= 15; rev++) {
      cache.apply({ type: "MODIFIED", key: key("a"), obj: obj("a", rev), prev: obj("a", rev - 1), rev });
    }
    expect(() =>
      cache.watch({ fromRev: 11, prefix: PREFIX, matches: () => true, bookmarks: false }, recorder().sink),
    ).toThrow(expect.objectContaining({ status: expect.objectContaining({ code: 410 }) }));
    let error: unknown;
    try {
      cache.watch({ fromRev: 10, prefix: PREFIX, matches: () => true, bookmarks: false }, recorder().sink);
    } catch (err) {
      error = err;
    }
    expect(isGone(error)).toBe(true);
    const r = recorder();
    cache.watch({ fromRev: 13, prefix: PREFIX, matches: () => true, bookmarks: false }, r.sink);
    expect(r.events).toEqual([
      ["MODIFIED", "a"],
      ["MODIFIED", "a"],
    ]);
  });

  it("cuts off a watcher that cannot keep up, and closes watchers on reset", () => {
    const cache = seeded();
    const slow = { send: () => false, close: (reason: string) => closed.push(reason) };
    const closed: string[] = [];
    cache.watch({ fromRev: 10, prefix: PREFIX, matches: () => true, bookmarks: false }, slow);
    cache.apply({ type: "ADDED", key: key("c"), obj: obj("c", 11), prev: undefined, rev: 11 });
    cache.endOfRevision();
    expect(closed).toEqual(["client too slow"]);
    expect(cache.watcherCount).toBe(0);
    const r = recorder();
    cache.watch({ fromRev: 11, prefix: PREFIX, matches: () => true, bookmarks: true }, r.sink);
    cache.bookmark(20);
    expect(r.events).toEqual([["BOOKMARK", undefined]]);
    cache.reset([], 30);
    expect(r.closed).toBe("the watch cache was reset");
  });

  it("closes a lagging watcher only after the rest of the revision (objects committed together share one)", () => {
    const cache = seeded();
    const sent: string[] = [];
    const closed: string[] = [];
    const lagging = {
      send: (_type: WatchEventType, o: KubeObject) => {
        sent.push(o.metadata?.name ?? "");
        return false;
      },
      close: (reason: string) => closed.push(reason),
    };
    cache.watch({ fromRev: 10, prefix: PREFIX, matches: () => true, bookmarks: false }, lagging);
    cache.apply({ type: "ADDED", key: key("c"), obj: obj("c", 11), prev: undefined, rev: 11 });
    cache.apply({ type: "ADDED", key: key("d"), obj: obj("d", 11), prev: undefined, rev: 11 });
    expect(closed).toEqual([]);
    cache.apply({ type: "ADDED", key: key("e"), obj: obj("e", 12), prev: undefined, rev: 12 });
    expect(sent).toEqual(["c", "d"]);
    expect(closed).toEqual(["client too slow"]);
    expect(cache.watcherCount).toBe(0);
    cache.endOfRevision();
    expect(closed).toHaveLength(1);
  });
});
