import { describe, expect, it } from "vitest";
import { findResource, type Node } from "@ktl/api";
import { invalid } from "@ktl/apimachinery";
import { FakeApiClient } from "@ktl/client";
import { IndexedStore } from "@ktl/informers";
import { CidrSet } from "./cidr-set.js";
import { nodeEventHandler } from "./controller.js";
import { FULL_RETRY_MS, RangeAllocator, podCidrOf } from "./sync.js";

const nodes = findResource("", "nodes")!;

function node(name: string, podCIDR?: string): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, uid: `uid-${name}`, resourceVersion: "1" },
    spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
  };
}

function fixture(options: { clusterCidr?: string; mask?: number; nodes?: Node[] } = {}) {
  const client = new FakeApiClient();
  const store = new IndexedStore<Node>();
  for (const n of options.nodes ?? []) {
    store.add(n);
    client.seed(nodes, n);
  }
  const queued: string[] = [];
  const logs: { level: string; msg: string }[] = [];
  const log = {
    info: (msg: string) => logs.push({ level: "info", msg }),
    warn: (msg: string) => logs.push({ level: "warn", msg }),
    error: (msg: string) => logs.push({ level: "error", msg }),
  };
  const cidrs = new CidrSet(options.clusterCidr ?? "100.64.0.0/16", options.mask ?? 24);
  const make = () => new RangeAllocator({ client, nodes: store, cidrs, log, enqueue: (k) => queued.push(k) });
  const allocator = make();
  allocator.rebuild();
  /** A Node joins: in the apiserver and the cache. */
  const add = (n: Node) => {
    store.add(n);
    client.seed(nodes, n);
  };
  /** Copies what the apiserver holds into the cache, as the watch would. */
  const observe = (name: string) => {
    const stored = client.stored<Node>(nodes, undefined, name);
    if (stored) store.add(stored);
    else store.delete(name);
  };
  const remove = (name: string) => {
    store.delete(name);
    void client.delete(nodes, undefined, name);
  };
  const podCidr = (name: string) => podCidrOf(client.stored<Node>(nodes, undefined, name)!);
  return { client, store, allocator, cidrs, queued, logs, add, observe, remove, podCidr };
}

describe("RangeAllocator", () => {
  it("gives each Node its own range, in spec.podCIDR and spec.podCIDRs", async () => {
    const f = fixture({ nodes: [node("a"), node("b"), node("c")] });
    for (const name of ["a", "b", "c"]) await f.allocator.reconcile(name);
    expect(f.client.writes().map((w) => [w.verb, w.name, w.patch])).toEqual([
      ["patch", "a", { spec: { podCIDR: "100.64.0.0/24", podCIDRs: ["100.64.0.0/24"] } }],
      ["patch", "b", { spec: { podCIDR: "100.64.1.0/24", podCIDRs: ["100.64.1.0/24"] } }],
      ["patch", "c", { spec: { podCIDR: "100.64.2.0/24", podCIDRs: ["100.64.2.0/24"] } }],
    ]);
    expect(f.client.stored<Node>(nodes, undefined, "b")?.spec).toEqual({
      podCIDR: "100.64.1.0/24",
      podCIDRs: ["100.64.1.0/24"],
    });
  });

  it("leaves a Node that has a range alone, and never hands that range out", async () => {
    const f = fixture({ nodes: [node("old", "100.64.0.0/24"), node("new")] });
    await f.allocator.reconcile("old");
    await f.allocator.reconcile("new");
    expect(f.client.writes().map((w) => w.name)).toEqual(["new"]);
    expect(f.podCidr("new")).toBe("100.64.1.0/24");
  });

  it("gives the same range again while its write has not reached the cache", async () => {
    const f = fixture({ nodes: [node("a")] });
    await f.allocator.reconcile("a");
    await f.allocator.reconcile("a"); // the cache still shows no podCIDR
    const patches = f.client.writes().map((w) => w.patch);
    expect(patches).toHaveLength(2);
    expect(patches[0]).toEqual(patches[1]);
    expect(f.cidrs.allocated).toBe(1);
    f.observe("a");
    await f.allocator.reconcile("a");
    expect(f.client.writes()).toHaveLength(2);
    expect(f.cidrs.allocated).toBe(1);
  });

  it("releases the range of a deleted Node, and the next Node gets it", async () => {
    const f = fixture({ nodes: [node("a"), node("b"), node("c")] });
    for (const name of ["a", "b", "c"]) {
      await f.allocator.reconcile(name);
      f.observe(name);
    }
    f.remove("b");
    await f.allocator.reconcile("b");
    expect(f.cidrs.isUsed("100.64.1.0/24")).toBe(false);
    f.add(node("d"));
    await f.allocator.reconcile("d");
    expect(f.podCidr("d")).toBe("100.64.1.0/24");
  });

  it("rebuilds what is used from the Nodes after a restart", async () => {
    const f = fixture({
      nodes: [node("a", "100.64.0.0/24"), node("b", "100.64.2.0/24"), node("c", "100.64.1.0/24"), node("d")],
    });
    // A fresh allocator over the same cache, as after a restart.
    const restarted = new RangeAllocator({
      client: f.client,
      nodes: f.store,
      cidrs: new CidrSet("100.64.0.0/16", 24),
      log: { info: () => {}, warn: () => {}, error: () => {} },
      enqueue: () => {},
    });
    restarted.rebuild();
    await restarted.reconcile("d");
    expect(f.podCidr("d")).toBe("100.64.3.0/24");
    expect(f.client.writes().map((w) => w.name)).toEqual(["d"]);
  });

  it("keeps a podCIDR outside the cluster range, with a warning", async () => {
    const f = fixture({ nodes: [node("foreign", "10.0.0.0/24"), node("a")] });
    await f.allocator.reconcile("foreign");
    await f.allocator.reconcile("a");
    expect(f.podCidr("foreign")).toBe("10.0.0.0/24");
    expect(f.podCidr("a")).toBe("100.64.0.0/24");
    expect(f.logs.some((l) => l.level === "warn" && l.msg.includes("not a range of the cluster range"))).toBe(
      true,
    );
  });

  it("with the range full, logs an error and retries later; a released range wakes it", async () => {
    const f = fixture({ clusterCidr: "10.0.0.0/23", nodes: [node("a"), node("b"), node("c")] });
    await f.allocator.reconcile("a");
    await f.allocator.reconcile("b");
    f.observe("a");
    f.observe("b");
    expect(await f.allocator.reconcile("c")).toEqual({ requeueAfterMs: FULL_RETRY_MS });
    expect(f.podCidr("c")).toBeUndefined();
    expect(f.logs.filter((l) => l.level === "error").map((l) => l.msg)).toEqual([
      "no pod range left for the node: the cluster range is full",
    ]);
    f.remove("a");
    await f.allocator.reconcile("a");
    expect(f.queued).toEqual(["c"]);
    await f.allocator.reconcile("c");
    expect(f.podCidr("c")).toBe("10.0.0.0/24");
  });

  it("gives the range back when the write fails, and retries", async () => {
    const f = fixture({ nodes: [node("a")] });
    f.client.react((a) => (a.verb === "patch" ? invalid({ group: "", kind: "Node" }, "a", []) : undefined));
    await expect(f.allocator.reconcile("a")).rejects.toThrow();
    expect(f.cidrs.allocated).toBe(0);
  });

  it("releases nothing for a Node that is gone before it got a range", async () => {
    const f = fixture({ nodes: [node("a")] });
    f.remove("a");
    await f.allocator.reconcile("a");
    expect(f.client.writes().filter((w) => w.verb === "patch")).toEqual([]);
    expect(f.cidrs.allocated).toBe(0);
  });
});

describe("nodeEventHandler", () => {
  it("queues new Nodes, changed ranges and deletions; not heartbeats or resyncs", () => {
    const queued: string[] = [];
    const h = nodeEventHandler((k) => queued.push(k));
    const withRange = { ...node("a", "100.64.0.0/24"), metadata: { name: "a", resourceVersion: "2" } };
    const heartbeat = { ...withRange, metadata: { name: "a", resourceVersion: "3" } };
    h.onAdd?.(node("a"));
    h.onUpdate?.(node("a"), node("a")); // resync
    h.onUpdate?.(node("a"), withRange); // range written
    h.onUpdate?.(withRange, heartbeat); // status only
    h.onDelete?.(heartbeat);
    expect(queued).toEqual(["a", "a", "a"]);
  });
});
