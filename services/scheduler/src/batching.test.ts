/**
 * Opportunistic batching with the default plugins: pods of one signature
 * reuse the previous cycle's candidates, and must still never overcommit a
 * node, keep spreading a controller's pods, and see nodes that changed.
 */
import { findResource, type Pod } from "@ktl/api";
import { FakeApiClient } from "@ktl/client";
import { describe, expect, it } from "vitest";
import { node, pod } from "./internal/test-objects.js";
import { failureMessage } from "./plugins/message.js";
import { defaultPlugins } from "./plugins/registry.js";
import { MAX_BATCH_REUSE, Scheduler } from "./scheduler.js";

const PODS = findResource("", "pods")!;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function setup(): { client: FakeApiClient; scheduler: Scheduler } {
  const client = new FakeApiClient();
  const scheduler = new Scheduler({ client, ...defaultPlugins(), failureMessage, log: silent });
  return { client, scheduler };
}

function add(client: FakeApiClient, scheduler: Scheduler, p: Pod): void {
  client.seed(PODS, p);
  scheduler.onPodAdd(p);
}

function drain(scheduler: Scheduler): void {
  for (let info = scheduler.queue.tryPop(); info; info = scheduler.queue.tryPop())
    scheduler.scheduleOne(info);
}

/** node name → pods bound there, from the fake apiserver. */
function placement(client: FakeApiClient): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const p of client.all<Pod>(PODS)) {
    const at = p.spec?.nodeName;
    if (at) out.set(at, [...(out.get(at) ?? []), p]);
  }
  return out;
}

describe("opportunistic batching", () => {
  it("never overcommits: 150 nodes with room for 3 pods each, 600 pods of one signature", async () => {
    const { client, scheduler } = setup();
    for (let i = 0; i < 150; i++)
      scheduler.onNodeAdd(node(`n${String(i).padStart(3, "0")}`, { cpu: "3", memory: "8Gi", pods: "110" }));
    for (let i = 0; i < 600; i++)
      add(client, scheduler, pod(`p${i}`, { cpu: "1" }, { owner: `rs-${i % 7}` }));
    drain(scheduler); // every decision before any binding lands
    await scheduler.waitForBindings();
    const perNode = placement(client);
    expect([...perNode.values()].reduce((n, pods) => n + pods.length, 0)).toBe(450);
    for (const pods of perNode.values()) expect(pods.length).toBeLessThanOrEqual(3);
    expect(scheduler.queue.lengths().unschedulable).toBe(150);
    expect(scheduler.batchedPods).toBeGreaterThan(0);
  });

  it("keeps spreading a controller's pods: 9 replicas over 3 nodes, 3 each", async () => {
    const { client, scheduler } = setup();
    for (const name of ["a", "b", "c"])
      scheduler.onNodeAdd(node(name, { cpu: "32", memory: "64Gi", pods: "110" }));
    for (let i = 0; i < 9; i++) add(client, scheduler, pod(`web-${i}`, { cpu: "100m" }, { owner: "web" }));
    drain(scheduler);
    await scheduler.waitForBindings();
    expect([...placement(client).values()].map((pods) => pods.length)).toEqual([3, 3, 3]);
    expect(scheduler.batchedPods).toBeGreaterThan(0);
  });

  it("spreads interleaved controllers of one signature over many nodes", async () => {
    const { client, scheduler } = setup();
    for (let i = 0; i < 200; i++)
      scheduler.onNodeAdd(node(`n${i}`, { cpu: "32", memory: "64Gi", pods: "110" }));
    // 20 controllers × 10 replicas, created interleaved (as the benchmark's backlog).
    for (let i = 0; i < 200; i++)
      add(client, scheduler, pod(`p${i}`, { cpu: "100m" }, { owner: `rs-${i % 20}` }));
    drain(scheduler);
    await scheduler.waitForBindings();
    const nodesPerOwner = new Map<string, Set<string>>();
    for (const [at, pods] of placement(client))
      for (const p of pods) {
        const owner = p.metadata?.ownerReferences?.[0]?.name ?? "";
        nodesPerOwner.set(owner, (nodesPerOwner.get(owner) ?? new Set()).add(at));
      }
    for (const nodes of nodesPerOwner.values()) expect(nodes.size).toBe(10);
    expect(scheduler.batchedPods).toBeGreaterThan(100);
  });

  it("sees a candidate that changed mid-batch (cordoned) and one whose pods changed", async () => {
    const { client, scheduler } = setup();
    for (const name of ["a", "b"])
      scheduler.onNodeAdd(node(name, { cpu: "32", memory: "64Gi", pods: "110" }));
    add(client, scheduler, pod("first", { cpu: "100m" }));
    drain(scheduler);
    const first = client.all<Pod>(PODS).find((p) => p.metadata?.name === "first");
    await scheduler.waitForBindings();
    const used = client.stored<Pod>(PODS, "default", "first")?.spec?.nodeName ?? "";
    expect(first).toBeDefined();
    const other = used === "a" ? "b" : "a";
    const cordoned = node(other, { cpu: "32", memory: "64Gi", pods: "110" });
    cordoned.spec = { unschedulable: true };
    scheduler.onNodeUpdate(node(other, { cpu: "32", memory: "64Gi", pods: "110" }), cordoned);
    for (let i = 0; i < 5; i++) add(client, scheduler, pod(`next-${i}`, { cpu: "100m" }));
    drain(scheduler);
    await scheduler.waitForBindings();
    expect(placement(client).get(other)).toBeUndefined();
    expect(placement(client).get(used)).toHaveLength(6);
  });

  it("does not share results between signatures (a nodeSelector narrows the candidates)", async () => {
    const { client, scheduler } = setup();
    for (let i = 0; i < 4; i++)
      scheduler.onNodeAdd(
        node(`n${i}`, { cpu: "32", memory: "64Gi", pods: "110" }, { disk: i === 3 ? "ssd" : "hdd" }),
      );
    for (let i = 0; i < 4; i++) add(client, scheduler, pod(`plain-${i}`, { cpu: "100m" }));
    const picky = pod("picky", { cpu: "100m" });
    picky.spec!.nodeSelector = { disk: "ssd" };
    add(client, scheduler, picky);
    drain(scheduler);
    await scheduler.waitForBindings();
    expect(client.stored<Pod>(PODS, "default", "picky")?.spec?.nodeName).toBe("n3");
  });

  it("moves on to the next sample of nodes after MAX_BATCH_REUSE pods", async () => {
    const { client, scheduler } = setup();
    // 300 nodes: each full cycle samples 100 (numFeasibleNodesToFind), batches reuse them.
    for (let i = 0; i < 300; i++)
      scheduler.onNodeAdd(node(`n${i}`, { cpu: "32", memory: "64Gi", pods: "110" }));
    const pods = 3 * (MAX_BATCH_REUSE + 1);
    for (let i = 0; i < pods; i++)
      add(client, scheduler, pod(`p${i}`, { cpu: "100m" }, { owner: `rs-${i}` }));
    drain(scheduler);
    await scheduler.waitForBindings();
    expect(scheduler.batchedPods).toBe(3 * MAX_BATCH_REUSE);
    // Three full cycles, three different samples of 100 nodes.
    const samples = new Set(
      [...placement(client).keys()].map((name) => Math.floor(Number(name.slice(1)) / 100)),
    );
    expect(samples).toEqual(new Set([0, 1, 2]));
  });
});
