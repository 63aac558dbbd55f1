import { describe, expect, it } from "vitest";
import type { Node, Pod } from "@ktl/api";
import { FakeApiClient } from "@ktl/client";
import { IndexedStore } from "@ktl/informers";
import { ZoneDisruption } from "./disruption.js";
import { NodeLifecycleMetrics } from "./metrics.js";
import { NODES, NodeLifecycleSync, PODS } from "./sync.js";
import { UNREACHABLE_TAINT_KEY } from "./taints.js";
import { HeartbeatTracker } from "./tracker.js";

const T0 = Date.parse("2025-01-01T00:00:00Z");
const GRACE = 4_000;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function makeNode(name: string): Node {
  return {
    metadata: { name, uid: `uid-${name}`, resourceVersion: "1" },
    spec: {},
    status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady" }] },
  };
}

function makePod(name: string, nodeName: string, tolerationSeconds?: number): Pod {
  return {
    metadata: { name, namespace: "default", uid: `uid-${name}`, resourceVersion: "1" },
    spec: {
      nodeName,
      containers: [{ name: "c", image: "x" }],
      tolerations:
        tolerationSeconds === undefined
          ? undefined
          : [{ key: UNREACHABLE_TAINT_KEY, operator: "Exists", effect: "NoExecute", tolerationSeconds }],
    },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
  };
}

/**
 * `keeper`: a node "keeper" that is heard from all the time, so the cluster is
 * not entirely silent (which would be master disruption mode).
 */
function fixture(options: { keeper?: boolean } = {}) {
  let now = T0;
  let listening = true;
  const client = new FakeApiClient();
  const nodes = new IndexedStore<Node>();
  const pods = new IndexedStore<Pod>();
  const tracker = new HeartbeatTracker(GRACE, T0);
  const metrics = new NodeLifecycleMetrics();
  const resyncs: string[] = [];
  const sync = new NodeLifecycleSync({
    client,
    nodes,
    pods,
    tracker,
    listening: () => listening,
    requestResync: (n) => resyncs.push(n),
    defaultTolerationSeconds: 3,
    disruption: new ZoneDisruption({
      evictionQps: 0.1,
      secondaryEvictionQps: 0.01,
      largeClusterSizeThreshold: 50,
      unhealthyZoneThreshold: 0.55,
    }),
    metrics,
    log: quiet,
    now: () => now,
  });
  const addNode = (n: Node) => {
    client.seed(NODES, n);
    nodes.add(n);
  };
  const addPod = (p: Pod) => {
    client.seed(PODS, p);
    pods.add(p);
  };
  /** Copies the apiserver's state into the caches, as the watches would. */
  const observe = () => {
    for (const n of client.all<Node>(NODES)) nodes.add(n);
    for (const p of pods.list())
      if (!client.stored(PODS, "default", p.metadata?.name ?? "")) pods.delete(`default/${p.metadata?.name}`);
    for (const p of client.all<Pod>(PODS)) pods.add(p);
  };
  const stored = (name: string) => client.stored<Node>(NODES, undefined, name);
  if (options.keeper ?? true) {
    addNode(makeNode("keeper"));
    tracker.heard("keeper", now);
  }
  return {
    client,
    tracker,
    metrics,
    resyncs,
    sync,
    addNode,
    addPod,
    observe,
    stored,
    advance: (ms: number) => {
      now += ms;
      if (options.keeper ?? true) tracker.heard("keeper", now);
    },
    now: () => now,
    setListening: (v: boolean) => (listening = v),
  };
}

const taintOf = (n: Node | undefined) => n?.spec?.taints?.find((t) => t.key === UNREACHABLE_TAINT_KEY);
const readyOf = (n: Node | undefined) => n?.status?.conditions?.find((c) => c.type === "Ready");

describe("NodeLifecycleSync", () => {
  it("leaves a node heard from within the grace period alone, and asks to look again at its deadline", async () => {
    const f = fixture();
    f.addNode(makeNode("a"));
    f.advance(3_000);
    f.tracker.heard("a", f.now());
    f.advance(3_000);
    const result = await f.sync.reconcile("a");
    expect(f.client.writes()).toEqual([]);
    expect(result).toEqual({ requeueAfterMs: 1_001 });
  });

  it("marks a silent node Unknown and taints it after the grace period, once", async () => {
    const f = fixture();
    f.addNode(makeNode("a"));
    f.advance(GRACE);
    await f.sync.reconcile("a");
    expect(f.client.writes()).toEqual([]); // exactly the grace: not yet
    f.advance(1);
    await f.sync.reconcile("a");
    const node = f.stored("a");
    expect(readyOf(node)).toMatchObject({
      status: "Unknown",
      reason: "NodeStatusUnknown",
      message: "Kubelet stopped posting node status.",
    });
    expect(taintOf(node)).toEqual({
      key: UNREACHABLE_TAINT_KEY,
      effect: "NoExecute",
      timeAdded: new Date(f.now()).toISOString(),
    });
    expect(f.metrics).toMatchObject({ statusWrites: 1, taintWrites: 1, unreachable: 1 });
    f.observe();
    const writes = f.client.writes().length;
    await f.sync.reconcile("a");
    expect(f.client.writes().length).toBe(writes); // level-based: nothing more to do
  });

  it("does not judge while NATS is down", async () => {
    const f = fixture();
    f.addNode(makeNode("a"));
    f.setListening(false);
    f.advance(60_000);
    await f.sync.reconcile("a");
    expect(f.client.writes()).toEqual([]);
  });

  it("marks pods not ready and evicts them when their toleration runs out", async () => {
    const f = fixture();
    f.addNode(makeNode("a"));
    f.addPod(makePod("default-tol", "a")); // 3 s default
    f.addPod(makePod("ten", "a", 10));
    f.addPod(makePod("elsewhere", "b"));
    f.advance(GRACE + 1);
    const first = await f.sync.reconcile("a");
    expect(first).toEqual({ requeueAfterMs: 3_000 });
    const ready = (name: string) =>
      f.client.stored<Pod>(PODS, "default", name)?.status?.conditions?.find((c) => c.type === "Ready")
        ?.status;
    expect(ready("default-tol")).toBe("False");
    expect(ready("ten")).toBe("False");
    expect(ready("elsewhere")).toBe("True");
    f.observe();
    f.advance(2_999);
    await f.sync.reconcile("a");
    expect(f.metrics.evictions).toBe(0);
    f.advance(1);
    const second = await f.sync.reconcile("a");
    expect(f.metrics.evictions).toBe(1);
    expect(f.client.stored(PODS, "default", "default-tol")).toBeUndefined();
    expect(second).toEqual({ requeueAfterMs: 7_000 });
    f.observe();
    f.advance(7_000);
    await f.sync.reconcile("a");
    expect(f.client.stored(PODS, "default", "ten")).toBeUndefined();
    expect(f.client.stored(PODS, "default", "elsewhere")).toBeDefined();
    expect(f.metrics.evictions).toBe(2);
  });

  it("removes the taint and asks the kubelet for its status when the node is heard again", async () => {
    const f = fixture();
    f.addNode(makeNode("a"));
    f.advance(GRACE + 1);
    await f.sync.reconcile("a");
    f.observe();
    expect(taintOf(f.stored("a"))).toBeDefined();
    f.tracker.heard("a", f.now());
    await f.sync.reconcile("a");
    expect(taintOf(f.stored("a"))).toBeUndefined();
    expect(f.resyncs).toEqual(["a"]);
    expect(f.metrics).toMatchObject({ taintWrites: 2, unreachable: 0 });
  });

  it("taints at most one node per 10 s in a healthy zone (--node-eviction-rate 0.1)", async () => {
    const f = fixture();
    for (let i = 0; i < 8; i++) f.addNode(makeNode(`n${i}`));
    f.advance(GRACE + 1);
    for (let i = 3; i < 8; i++) f.tracker.heard(`n${i}`, f.now()); // 3 of 9 silent: still Normal
    expect(await f.sync.reconcile("n0")).toBeUndefined();
    expect(await f.sync.reconcile("n1")).toEqual({ requeueAfterMs: 10_000 });
    expect(taintOf(f.stored("n0"))).toBeDefined();
    expect(taintOf(f.stored("n1"))).toBeUndefined();
    expect(readyOf(f.stored("n1"))?.status).toBe("Unknown"); // the condition is not rate limited
    f.observe();
    f.advance(10_000);
    for (let i = 3; i < 8; i++) f.tracker.heard(`n${i}`, f.now());
    await f.sync.reconcile("n1");
    expect(taintOf(f.stored("n1"))).toBeDefined();
    expect(await f.sync.reconcile("n2")).toEqual({ requeueAfterMs: 10_000 });
  });

  it("stops tainting in a small partially disrupted zone", async () => {
    const f = fixture();
    for (const n of ["a", "b", "c"]) f.addNode(makeNode(n));
    f.advance(GRACE + 1); // a, b, c silent, keeper heard: 3 of 4 not ready
    for (const n of ["a", "b", "c"]) expect(await f.sync.reconcile(n)).toBeUndefined();
    for (const n of ["a", "b", "c"]) {
      expect(readyOf(f.stored(n))?.status).toBe("Unknown");
      expect(taintOf(f.stored(n))).toBeUndefined();
    }
  });

  it("keeps zones apart: each has its own rate", async () => {
    const f = fixture();
    const zoned = (name: string, zone: string) => {
      const n = makeNode(name);
      n.metadata!.labels = { "topology.kubernetes.io/zone": zone };
      return n;
    };
    for (const [name, zone] of [
      ["a1", "a"],
      ["a2", "a"],
      ["a3", "a"],
      ["b1", "b"],
      ["b2", "b"],
      ["b3", "b"],
    ] as const)
      f.addNode(zoned(name, zone));
    f.advance(GRACE + 1);
    for (const n of ["a2", "a3", "b2", "b3"]) f.tracker.heard(n, f.now());
    await f.sync.reconcile("a1");
    await f.sync.reconcile("b1");
    expect(taintOf(f.stored("a1"))).toBeDefined();
    expect(taintOf(f.stored("b1"))).toBeDefined();
  });

  it("enters master disruption mode when every node is silent: no taint, no eviction, taints lifted", async () => {
    const f = fixture({ keeper: false });
    const a = makeNode("a");
    a.spec = {
      taints: [{ key: UNREACHABLE_TAINT_KEY, effect: "NoExecute", timeAdded: new Date(T0).toISOString() }],
    };
    f.addNode(a);
    f.addNode(makeNode("b"));
    f.addPod(makePod("p", "a")); // 3 s default toleration, long gone by then
    f.advance(GRACE + 60_000);
    expect(await f.sync.reconcile("a")).toBeUndefined();
    expect(readyOf(f.stored("a"))?.status).toBe("Unknown");
    expect(taintOf(f.stored("a"))).toBeUndefined();
    expect(f.client.stored(PODS, "default", "p")).toBeDefined();
    expect(f.metrics.evictions).toBe(0);
    f.observe();
    await f.sync.reconcile("b");
    expect(taintOf(f.stored("b"))).toBeUndefined();

    // b's kubelet is back (a beat, then its status rewritten on request): the mode ends and
    // every node gets a fresh grace before a taint.
    f.observe();
    f.tracker.heard("b", f.now());
    await f.sync.reconcile("b");
    expect(f.resyncs).toEqual(["b"]);
    f.addNode(makeNode("b"));
    f.observe();
    f.sync.refreshZones(f.now());
    await f.sync.reconcile("a");
    expect(taintOf(f.stored("a"))).toBeUndefined();
    f.advance(GRACE + 1);
    f.tracker.heard("b", f.now());
    await f.sync.reconcile("a");
    expect(taintOf(f.stored("a"))).toBeDefined();
  });

  it("forgets a deleted node", async () => {
    const f = fixture();
    f.tracker.heard("gone", f.now());
    await f.sync.reconcile("gone");
    expect(f.tracker.lastSeen("gone")).toBeUndefined();
  });
});
