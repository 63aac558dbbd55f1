import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Node, type Pod } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import {
  startApiserver,
  startEtcd,
  startScheduler,
  type ApiserverProcess,
  type EtcdServer,
  type ServiceProcess,
} from "@ktl/testing";

const PODS = findResource("", "pods")!;
const NODES = findResource("", "nodes")!;
const NS = "default";

let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let client: ApiClient;
let scheduler: ServiceProcess;

beforeAll(async () => {
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint });
  client = new ApiClient(apiserver.grpcAddress);
  scheduler = await startScheduler({ apiserver: apiserver.grpcAddress, args: ["--leader-elect", "false"] });
});

afterAll(async () => {
  await scheduler?.stop();
  client?.close();
  await apiserver?.stop();
  await etcd?.stop();
});

// ---------------------------------------------------------------- helpers

async function createNode(
  name: string,
  opts: {
    cpu?: string;
    memory?: string;
    pods?: string;
    labels?: Record<string, string>;
    taints?: NonNullable<Node["spec"]>["taints"];
  } = {},
): Promise<void> {
  const allocatable = { cpu: opts.cpu ?? "4", memory: opts.memory ?? "8Gi", pods: opts.pods ?? "110" };
  const created = await client.create<Node>(NODES, undefined, {
    metadata: { name, labels: opts.labels ?? {} },
    spec: { taints: opts.taints },
  });
  await client.updateStatus<Node>(NODES, {
    ...created,
    status: { capacity: allocatable, allocatable, conditions: [{ type: "Ready", status: "True" }] },
  });
}

async function deleteNodes(...names: string[]): Promise<void> {
  for (const name of names) await client.delete(NODES, undefined, name).catch(() => undefined);
}

function makePod(
  name: string,
  requests: Record<string, string>,
  extra: Partial<NonNullable<Pod["spec"]>> & { ownerUid?: string } = {},
): Pod {
  const { ownerUid, ...spec } = extra;
  return {
    metadata: {
      name,
      namespace: NS,
      labels: { app: ownerUid ?? name },
      ownerReferences: ownerUid
        ? [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: ownerUid, controller: true }]
        : undefined,
    },
    spec: { containers: [{ name: "c", image: "pause", resources: { requests } }], ...spec },
  };
}

async function createPods(pods: Pod[]): Promise<void> {
  await Promise.all(pods.map((p) => client.create(PODS, NS, p)));
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function nodeOf(name: string): Promise<string | undefined> {
  const pod = await client.get<Pod>(PODS, NS, name);
  return pod.spec?.nodeName || undefined;
}

async function deleteAllPods(): Promise<void> {
  const { items } = await client.list<Pod>(PODS, NS);
  await Promise.all(
    items.map((p) =>
      client.delete(PODS, NS, p.metadata!.name!, { gracePeriodSeconds: 0 }).catch(() => undefined),
    ),
  );
  await waitFor("pods gone", async () =>
    (await client.list(PODS, NS)).items.length === 0 ? true : undefined,
  );
}

// ---------------------------------------------------------------- tests

describe("scheduler", () => {
  it("binds a pod to a node", async () => {
    await createNode("solo");
    await createPods([makePod("first", { cpu: "100m" })]);
    expect(await waitFor("binding", () => nodeOf("first"))).toBe("solo");
    const pod = await client.get<Pod>(PODS, NS, "first");
    expect(pod.status?.conditions?.find((c) => c.type === "PodScheduled")?.status).toBe("True");
    await deleteAllPods();
    await deleteNodes("solo");
  });

  it("spreads 9 replicas of one owner 3/3/3 over 3 nodes", async () => {
    await createNode("s1");
    await createNode("s2");
    await createNode("s3");
    await sleep(300); // let the scheduler see all three nodes
    await createPods(
      Array.from({ length: 9 }, (_, i) => makePod(`rep-${i}`, { cpu: "100m" }, { ownerUid: "rs-uid-1" })),
    );
    const placed = await Promise.all(
      Array.from({ length: 9 }, (_, i) => waitFor(`rep-${i}`, () => nodeOf(`rep-${i}`))),
    );
    const counts = new Map<string, number>();
    for (const n of placed) counts.set(n, (counts.get(n) ?? 0) + 1);
    expect([...counts.values()].sort()).toEqual([3, 3, 3]);
    await deleteAllPods();
    await deleteNodes("s1", "s2", "s3");
  });

  it("marks a pod that fits nowhere Unschedulable, then binds it once a big enough node appears", async () => {
    await createNode("small-1", { memory: "1Gi" });
    await createNode("small-2", { memory: "1Gi" });
    await createNode("gpu", {
      memory: "64Gi",
      taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }],
    });
    await sleep(300);
    await createPods([makePod("big", { memory: "4Gi" })]);
    const condition = await waitFor("the Unschedulable condition", async () => {
      const pod = await client.get<Pod>(PODS, NS, "big");
      const c = pod.status?.conditions?.find((x) => x.type === "PodScheduled");
      return c?.status === "False" ? c : undefined;
    });
    expect(condition.reason).toBe("Unschedulable");
    // Reasons sorted as Kubernetes does (sort.Strings over "<count> <reason>").
    expect(condition.message).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient memory.",
    );
    await createNode("large", { memory: "16Gi" });
    expect(await waitFor("binding to the new node", () => nodeOf("big"))).toBe("large");
    await deleteAllPods();
    await deleteNodes("small-1", "small-2", "gpu", "large");
  });

  it("honours nodeSelector, taints and tolerations", async () => {
    await createNode("plain", { labels: { disk: "hdd" } });
    await createNode("ssd", { labels: { disk: "ssd" } });
    await createNode("tainted", { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] });
    await sleep(300);
    await createPods([
      makePod("wants-ssd", { cpu: "100m" }, { nodeSelector: { disk: "ssd" } }),
      ...Array.from({ length: 4 }, (_, i) => makePod(`intolerant-${i}`, { cpu: "100m" })),
      makePod(
        "tolerant",
        { cpu: "100m" },
        {
          nodeSelector: { "kubernetes.io/hostname-none": "x" },
          tolerations: [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }],
        },
      ),
      makePod(
        "tolerant-db",
        { cpu: "100m" },
        {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: "disk", operator: "DoesNotExist" }] }],
              },
            },
          },
          tolerations: [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }],
        },
      ),
    ]);
    expect(await waitFor("wants-ssd", () => nodeOf("wants-ssd"))).toBe("ssd");
    for (let i = 0; i < 4; i++)
      expect(await waitFor(`intolerant-${i}`, () => nodeOf(`intolerant-${i}`))).not.toBe("tainted");
    expect(await waitFor("tolerant-db", () => nodeOf("tolerant-db"))).toBe("tainted");
    await sleep(500);
    expect(await nodeOf("tolerant")).toBeUndefined(); // no node has that label
    await deleteAllPods();
    await deleteNodes("plain", "ssd", "tainted");
  });

  it("binds exactly the capacity when 200 pods arrive at once, without overcommitting", async () => {
    // 3 nodes × 50 pods' worth of cpu = 150.
    for (const name of ["c1", "c2", "c3"]) await createNode(name, { cpu: "5", memory: "64Gi" });
    await sleep(300);
    const pods = Array.from({ length: 200 }, (_, i) => makePod(`load-${i}`, { cpu: "100m", memory: "64Mi" }));
    await createPods(pods);
    const bound = await waitFor(
      "150 bindings",
      async () => {
        const items = (await client.list<Pod>(PODS, NS)).items.filter((p) => p.spec?.nodeName);
        return items.length >= 150 ? items : undefined;
      },
      30_000,
    );
    await sleep(1000); // nothing more may land
    const after = (await client.list<Pod>(PODS, NS)).items.filter((p) => p.spec?.nodeName);
    const perNode = new Map<string, number>();
    for (const p of after) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 100);
    expect(Object.fromEntries(perNode)).toEqual({ c1: 5000, c2: 5000, c3: 5000 });
    expect(bound.length).toBe(150);
    expect(after.length).toBe(150);
    for (const milli of perNode.values()) expect(milli).toBeLessThanOrEqual(5000);
    await deleteAllPods();
    await deleteNodes("c1", "c2", "c3");
  });
});
