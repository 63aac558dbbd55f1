import type { Pod } from "@ktl/api";
import { describe, expect, it } from "vitest";
import { node, pod } from "../internal/test-objects.js";
import { SchedulerCache } from "./cache.js";
import { buildNodeInfo, podRequests, quantityValue } from "./node-info.js";
import { Snapshot } from "./snapshot.js";

describe("podRequests", () => {
  it("sums containers, takes the max with init containers and adds overhead", () => {
    const p: Pod = {
      metadata: { name: "p" },
      spec: {
        containers: [
          { name: "a", resources: { requests: { cpu: "100m", memory: "1Gi" } } },
          { name: "b", resources: { requests: { cpu: "250m", "example.com/gpu": "1" } } },
        ],
        initContainers: [{ name: "i", resources: { requests: { cpu: "1", memory: "512Mi" } } }],
        overhead: { cpu: "10m" },
      } as Pod["spec"],
    };
    const r = podRequests(p);
    expect(r.requested).toEqual({
      milliCpu: 1010,
      memory: 1024 ** 3,
      pods: 1,
      scalar: { "example.com/gpu": 1 },
    });
  });

  it("counts 100m/200Mi for containers without requests in nonZero only", () => {
    const r = podRequests(pod("p", { cpu: "500m" }));
    expect(r.requested.memory).toBe(0);
    expect(r.nonZero).toMatchObject({ milliCpu: 500, memory: 200 * 1024 * 1024 });
    expect(podRequests(pod("q")).nonZero).toMatchObject({ milliCpu: 100, memory: 200 * 1024 * 1024 });
  });

  it("parses quantities into canonical units", () => {
    expect(quantityValue("cpu", "1.5")).toBe(1500);
    expect(quantityValue("cpu", "1m")).toBe(1);
    expect(quantityValue("memory", "1Ki")).toBe(1024);
    expect(quantityValue("memory", "1G")).toBe(1e9);
    expect(quantityValue("pods", "110")).toBe(110);
  });
});

describe("buildNodeInfo", () => {
  it("sums pods' requests, parses allocatable and collects host ports", () => {
    const withPort = pod("b", { cpu: "1" });
    withPort.spec!.containers![0]!.ports = [{ containerPort: 80, hostPort: 8080 }];
    const info = buildNodeInfo(node("n1"), [pod("a", { cpu: "500m", memory: "1Gi" }), withPort], 7);
    expect(info.requested).toMatchObject({ milliCpu: 1500, memory: 1024 ** 3, pods: 2 });
    expect(info.allocatable).toMatchObject({ milliCpu: 4000, memory: 8 * 1024 ** 3, pods: 110 });
    expect([...info.usedPorts]).toEqual(["TCP/0.0.0.0/8080"]);
    expect(info.generation).toBe(7);
  });
});

describe("SchedulerCache", () => {
  it("counts an assumed pod at once and keeps it when the informer confirms it", () => {
    const cache = new SchedulerCache();
    cache.addNode(node("n1"));
    const p = pod("p", { cpu: "1" });
    cache.assume(p, "n1");
    expect(cache.nodeInfo("n1")?.requested.milliCpu).toBe(1000);
    expect(cache.isAssumed(p)).toBe(true);
    cache.finishBinding(p);
    cache.addPod(pod("p", { cpu: "1" }, { nodeName: "n1" }));
    expect(cache.isAssumed(p)).toBe(false);
    expect(cache.nodeInfo("n1")?.requested.milliCpu).toBe(1000);
    expect(cache.nodeInfo("n1")?.pods).toHaveLength(1);
  });

  it("moves a confirmed pod to the node the apiserver says", () => {
    const cache = new SchedulerCache();
    cache.addNode(node("n1"));
    cache.addNode(node("n2"));
    cache.assume(pod("p", { cpu: "1" }), "n1");
    cache.addPod(pod("p", { cpu: "1" }, { nodeName: "n2" }));
    expect(cache.nodeInfo("n1")?.requested.milliCpu).toBe(0);
    expect(cache.nodeInfo("n2")?.requested.milliCpu).toBe(1000);
  });

  it("forgets an assumed pod whose binding failed", () => {
    const cache = new SchedulerCache();
    cache.addNode(node("n1"));
    const p = pod("p", { cpu: "1" });
    cache.assume(p, "n1");
    cache.forget(p);
    expect(cache.nodeInfo("n1")?.requested.milliCpu).toBe(0);
    expect(() => cache.assume(p, "n1")).not.toThrow();
    expect(() => cache.assume(p, "n1")).toThrow(/already/);
  });

  it("expires an assumed pod not confirmed within the TTL after its binding finished", () => {
    let now = 0;
    const cache = new SchedulerCache({ now: () => now, assumedTtlMs: 1000 });
    cache.addNode(node("n1"));
    const p = pod("p", { cpu: "1" });
    cache.assume(p, "n1");
    now = 5000;
    expect(cache.cleanupExpired()).toEqual([]); // binding not finished: never expires
    cache.finishBinding(p);
    now = 5999;
    expect(cache.cleanupExpired()).toEqual([]);
    now = 6000;
    expect(cache.cleanupExpired()).toEqual(["default/p"]);
    expect(cache.nodeInfo("n1")?.requested.milliCpu).toBe(0);
  });

  it("removes pods and keeps pods of a node it has not seen yet", () => {
    const cache = new SchedulerCache();
    const bound = pod("p", { cpu: "1" }, { nodeName: "n1" });
    cache.addPod(bound);
    expect(cache.nodeInfo("n1")).toBeUndefined();
    cache.addNode(node("n1"));
    expect(cache.nodeInfo("n1")?.requested.milliCpu).toBe(1000);
    cache.removePod(bound);
    expect(cache.nodeInfo("n1")?.requested.milliCpu).toBe(0);
    cache.removeNode("n1");
    expect(cache.nodeCount()).toBe(0);
  });

  it("updates a snapshot incrementally: only changed NodeInfos are replaced", () => {
    const cache = new SchedulerCache();
    cache.addNode(node("n1"));
    cache.addNode(node("n2"));
    const snap = new Snapshot();
    cache.updateSnapshot(snap);
    expect(snap.list.map((n) => n.name)).toEqual(["n1", "n2"]);
    const n1 = snap.get("n1");
    const n2 = snap.get("n2");
    cache.assume(pod("p", { cpu: "1" }), "n2");
    cache.updateSnapshot(snap);
    expect(snap.get("n1")).toBe(n1);
    expect(snap.get("n2")).not.toBe(n2);
    expect(snap.get("n2")!.generation).toBeGreaterThan(n2!.generation);
    expect(snap.list[1]).toBe(snap.get("n2"));
    cache.addNode(node("n3"));
    cache.removeNode("n1");
    cache.updateSnapshot(snap);
    expect(snap.list.map((n) => n.name).sort()).toEqual(["n2", "n3"]);
  });

  it("brings an old snapshot up to date after the change log was compacted", () => {
    const cache = new SchedulerCache();
    for (let i = 0; i < 50; i++) cache.addNode(node(`n${i}`));
    const stale = new Snapshot();
    cache.updateSnapshot(stale);
    const fresh = new Snapshot();
    // Far more changes than the log keeps uncompacted.
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 50; i++) {
        const p = pod(`p-${round}-${i}`, { cpu: "10m" });
        cache.assume(p, `n${i}`);
        cache.forget(p);
      }
      cache.updateSnapshot(fresh);
    }
    cache.assume(pod("last", { cpu: "1" }), "n7");
    cache.updateSnapshot(stale);
    cache.updateSnapshot(fresh);
    for (const snap of [stale, fresh]) {
      expect(snap.get("n7")?.requested.milliCpu).toBe(1000);
      expect(snap.list.every((info) => info === cache.nodeInfo(info.name))).toBe(true);
    }
  });
});

describe("peersOf", () => {
  it("counts a controller's bound and assumed pods per node, and forgets them as they go", () => {
    const cache = new SchedulerCache();
    for (const n of ["n1", "n2"]) cache.addNode(node(n));
    const a = pod("a", {}, { nodeName: "n1", owner: "rs" });
    cache.addPod(a);
    cache.assume(pod("b", {}, { owner: "rs" }), "n1");
    cache.assume(pod("c", {}, { owner: "rs" }), "n2");
    cache.addPod(pod("d", {}, { nodeName: "n2", owner: "other" }));
    const owner = "default\u0000rs";
    expect(cache.peersOf(owner)).toEqual(
      new Map([
        ["n1", 2],
        ["n2", 1],
      ]),
    );
    cache.forget(pod("c", {}, { owner: "rs" }));
    const deleting = { ...a, metadata: { ...a.metadata, deletionTimestamp: "2024-01-01T00:00:00Z" } };
    cache.updatePod(deleting);
    expect(cache.peersOf(owner)).toEqual(new Map([["n1", 1]]));
    cache.removePod(deleting);
    cache.removePod(pod("b", {}, { nodeName: "n1", owner: "rs" }));
    expect(cache.peersOf(owner)).toBeUndefined();
  });
});

describe("confirming an assumed pod", () => {
  it("keeps the node's NodeInfo when the bound pod weighs the same, rebuilds it otherwise", () => {
    const cache = new SchedulerCache();
    cache.addNode(node("n1"));
    cache.assume(pod("a", { cpu: "1" }, { owner: "rs" }), "n1");
    const assumed = cache.nodeInfo("n1");
    cache.addPod(pod("a", { cpu: "1" }, { nodeName: "n1", owner: "rs" }));
    expect(cache.nodeInfo("n1")).toBe(assumed);
    expect(cache.isAssumed(pod("a"))).toBe(false);
    cache.assume(pod("b", { cpu: "1" }), "n1");
    const before = cache.nodeInfo("n1");
    cache.addPod(pod("b", { cpu: "2" }, { nodeName: "n1" }));
    expect(cache.nodeInfo("n1")).not.toBe(before);
    expect(cache.nodeInfo("n1")?.requested.milliCpu).toBe(3000);
    expect(cache.nodeInfo("n1")?.pods).toHaveLength(2);
  });
});

describe("NodeInfo extended pod by pod", () => {
  it("equals one built from all the node's pods", () => {
    const cache = new SchedulerCache();
    const n1 = node("n1");
    cache.addNode(n1);
    const withPorts = pod("ports", { cpu: "100m" }, { owner: "rs" });
    withPorts.spec!.containers![0]!.ports = [{ containerPort: 80, hostPort: 8080 }];
    const pods = [
      pod("a", { cpu: "1", memory: "1Gi" }, { owner: "rs" }),
      pod("b", {}, { owner: "other" }),
      withPorts,
      pod("c", { cpu: "250m", "example.com/gpu": "1" }),
    ];
    for (const p of pods) {
      expect(cache.nodeInfo("n1")).toBeDefined(); // built, so the next assume extends it
      cache.assume(p, "n1");
    }
    const { generation: _g, ...extended } = cache.nodeInfo("n1")!;
    const bound = pods.map((p) => ({
      ...p,
      spec: { ...p.spec, containers: p.spec!.containers, nodeName: "n1" },
    }));
    const { generation: _h, ...built } = buildNodeInfo(n1, bound, 0);
    expect(extended).toEqual(built);
  });
});
