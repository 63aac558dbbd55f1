import { findResource, type Pod } from "@ktl/api";
import { FakeApiClient } from "@ktl/client";
import { describe, expect, it } from "vitest";
import { podRequests } from "./cache/node-info.js";
import {
  SUCCESS,
  unschedulable,
  type FilterPlugin,
  type ScorePlugin,
  type Status,
} from "./framework/interface.js";
import { node, pod } from "./internal/test-objects.js";
import { Scheduler, numFeasibleNodesToFind } from "./scheduler.js";

const PODS = findResource("", "pods")!;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Stub plugins: cpu/memory fit, and "most free cpu" as the score. */
const fit: FilterPlugin = {
  name: "Fit",
  filter: (_s, p, n) => {
    const r = podRequests(p).requested;
    const reasons: string[] = [];
    if (n.requested.milliCpu + r.milliCpu > n.allocatable.milliCpu) reasons.push("Insufficient cpu");
    if (n.requested.memory + r.memory > n.allocatable.memory) reasons.push("Insufficient memory");
    return reasons.length ? unschedulable(...reasons) : SUCCESS;
  },
};
const freeCpu: ScorePlugin = {
  name: "FreeCpu",
  weight: 1,
  score: (_s, _p, n) =>
    Math.round((100 * (n.allocatable.milliCpu - n.requested.milliCpu)) / n.allocatable.milliCpu),
};
function failureMessage(total: number, statuses: Map<string, Status>): string {
  const counts = new Map<string, number>();
  for (const s of statuses.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].sort().map(([r, n]) => `${n} ${r}`);
  return `0/${total} nodes are available: ${parts.join(", ")}.`;
}

function setup(client = new FakeApiClient()): { client: FakeApiClient; scheduler: Scheduler } {
  const scheduler = new Scheduler({ client, filters: [fit], scores: [freeCpu], failureMessage, log: silent });
  return { client, scheduler };
}

function addPod(client: FakeApiClient, scheduler: Scheduler, p: Pod): void {
  client.seed(PODS, p);
  scheduler.onPodAdd(p);
}

/** Pops and schedules everything queued (without waiting for bindings between pods). */
function drain(scheduler: Scheduler): void {
  for (let info = scheduler.queue.tryPop(); info; info = scheduler.queue.tryPop())
    scheduler.scheduleOne(info);
}

describe("numFeasibleNodesToFind", () => {
  it("checks all of a small cluster and an adaptive share of a large one", () => {
    expect(numFeasibleNodesToFind(50)).toBe(50);
    expect(numFeasibleNodesToFind(100)).toBe(100); // 50 %, but never fewer than 100
    expect(numFeasibleNodesToFind(1000)).toBe(420);
    expect(numFeasibleNodesToFind(5000)).toBe(500);
    expect(numFeasibleNodesToFind(150, 10)).toBe(100);
    expect(numFeasibleNodesToFind(5000, 100)).toBe(5000);
  });
});

describe("Scheduler", () => {
  it("binds a pod to the best node", async () => {
    const { client, scheduler } = setup();
    scheduler.onNodeAdd(node("busy", { cpu: "4", memory: "8Gi", pods: "110" }));
    scheduler.onNodeAdd(node("idle", { cpu: "4", memory: "8Gi", pods: "110" }));
    scheduler.cache.addPod(pod("existing", { cpu: "3" }, { nodeName: "busy" }));
    addPod(client, scheduler, pod("p", { cpu: "500m" }));
    drain(scheduler);
    await scheduler.waitForBindings();
    expect(client.stored<Pod>(PODS, "default", "p")?.spec?.nodeName).toBe("idle");
    expect(scheduler.metrics.podsScheduled).toBe(1);
    expect(scheduler.queue.lengths()).toMatchObject({ active: 0, inFlight: 0 });
  });

  it("never overcommits when many pods are decided before any binding lands", async () => {
    const { client, scheduler } = setup();
    for (const name of ["n1", "n2", "n3"])
      scheduler.onNodeAdd(node(name, { cpu: "2", memory: "8Gi", pods: "110" }));
    for (let i = 0; i < 20; i++) addPod(client, scheduler, pod(`p${i}`, { cpu: "500m" }));
    drain(scheduler); // all 20 decisions before any bind promise settles
    await scheduler.waitForBindings();
    const bound = client.all<Pod>(PODS).filter((p) => p.spec?.nodeName);
    expect(bound).toHaveLength(12);
    const perNode = new Map<string, number>();
    for (const p of bound) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
    expect([...perNode.values()]).toEqual([4, 4, 4]);
    expect(scheduler.queue.lengths().unschedulable).toBe(8);
  });

  it("writes PodScheduled=False with the failure message once, and retries when a node is added", async () => {
    const { client, scheduler } = setup();
    scheduler.onNodeAdd(node("small", { cpu: "1", memory: "1Gi", pods: "110" }));
    scheduler.onNodeAdd(node("tiny", { cpu: "4", memory: "512Mi", pods: "110" }));
    const big = pod("big", { cpu: "2", memory: "2Gi" });
    addPod(client, scheduler, big);
    drain(scheduler);
    await new Promise((r) => setImmediate(r));
    const stored = client.stored<Pod>(PODS, "default", "big")!;
    const cond = stored.status?.conditions?.find((c) => c.type === "PodScheduled");
    expect(cond).toMatchObject({
      status: "False",
      reason: "Unschedulable",
      message: "0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.",
    });
    expect(scheduler.queue.where("default/big")).toBe("unschedulable");

    // Our own status write comes back as an update: it must not requeue the pod.
    scheduler.onPodUpdate(big, stored);
    expect(scheduler.queue.where("default/big")).toBe("unschedulable");

    scheduler.onNodeAdd(node("large", { cpu: "8", memory: "16Gi", pods: "110" }));
    scheduler.queue.flushBackoffCompleted();
    expect(scheduler.queue.where("default/big")).not.toBe("unschedulable");
  });

  it("skips the status write when the condition is unchanged", async () => {
    const { client, scheduler } = setup();
    scheduler.onNodeAdd(node("small", { cpu: "1", memory: "1Gi", pods: "110" }));
    const big = pod("big", { cpu: "2" });
    big.status = {
      conditions: [
        {
          type: "PodScheduled",
          status: "False",
          reason: "Unschedulable",
          message: "0/1 nodes are available: 1 Insufficient cpu.",
        },
      ],
    };
    addPod(client, scheduler, big);
    drain(scheduler);
    await new Promise((r) => setImmediate(r));
    expect(client.writes()).toEqual([]);
  });

  it("forgets the assumption and backs off when binding fails", async () => {
    const { client, scheduler } = setup();
    scheduler.onNodeAdd(node("n1"));
    addPod(client, scheduler, pod("p", { cpu: "1" }));
    client.react((a) => (a.verb === "bind" ? new Error("boom") : undefined));
    drain(scheduler);
    expect(scheduler.cache.nodeInfo("n1")?.requested.milliCpu).toBe(1000);
    await scheduler.waitForBindings();
    expect(scheduler.cache.nodeInfo("n1")?.requested.milliCpu).toBe(0);
    expect(scheduler.queue.where("default/p")).toBe("backoff");
  });

  it("only schedules its own, unbound, live pods", () => {
    const { client, scheduler } = setup();
    scheduler.onNodeAdd(node("n1"));
    const other = pod("other");
    other.spec!.schedulerName = "my-scheduler";
    const deleting = pod("deleting");
    deleting.metadata!.deletionTimestamp = "2024-01-01T00:00:00Z";
    for (const p of [other, deleting, pod("bound", {}, { nodeName: "n1" })]) addPod(client, scheduler, p);
    expect(scheduler.queue.lengths().active).toBe(0);
  });

  it("spreads over a rotating start index so equal nodes share the load", async () => {
    const { client, scheduler } = setup();
    const flat: ScorePlugin = { name: "Flat", weight: 1, score: () => 0 };
    const s = new Scheduler({
      client,
      filters: [fit],
      scores: [flat],
      failureMessage,
      log: silent,
      random: () => 0.99,
    });
    for (const name of ["a", "b", "c"]) s.onNodeAdd(node(name));
    for (let i = 0; i < 6; i++) addPod(client, s, pod(`p${i}`, { cpu: "100m" }));
    drain(s);
    await s.waitForBindings();
    expect(scheduler.metrics.podsScheduled).toBe(0);
    expect(s.metrics.podsScheduled).toBe(6);
  });
});
