/**
 * Node heartbeats over NATS and the node lifecycle controller, with real
 * processes: NATS, etcd, apiserver, controller-manager (replicaset +
 * node-lifecycle, grace 4 s, default toleration 3 s), scheduler and two
 * kubelets on the fake runtime heartbeating every second.
 *
 * - a stopped kubelet's Node turns Ready=Unknown with the unreachable taint
 *   within the grace (+ slack), and its ReplicaSet's pods come back on the
 *   other node; a restarted kubelet clears the taint and is Ready again;
 * - NATS down longer than the grace and back: no Node is marked Unknown,
 *   nothing stored is lost, and every service reconnects by itself;
 * - every kubelet stopped: master disruption mode — Nodes Unknown but no
 *   taint and no pod evicted, however long; restarted, all Ready again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Node, type Pod, type ReplicaSet } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import {
  startApiserver,
  startControllerManager,
  startEtcd,
  startKubelet,
  startNats,
  startScheduler,
  type ApiserverProcess,
  type EtcdServer,
  type KubeletProcess,
  type NatsServer,
  type ServiceProcess,
  until,
} from "@ktl/testing";

const NODES = findResource("", "nodes")!;
const PODS = findResource("", "pods")!;
const REPLICA_SETS = findResource("apps", "replicasets")!;
const NS = "default";
const GRACE_S = 4;
const TOLERATION_S = 3;
const REPLICAS = 6;
const TAINT = "node.kubernetes.io/unreachable";

let nats: NatsServer;
let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let manager: ServiceProcess;
let scheduler: ServiceProcess;
let client: ApiClient;
const kubelets = new Map<string, KubeletProcess>();

const kubeletArgs = (): string[] => ["--nats-servers", nats.url, "--heartbeat-seconds", "1"];

async function startNode(name: string): Promise<KubeletProcess> {
  const k = await startKubelet({
    apiserver: apiserver.grpcAddress,
    nodeName: name,
    runtime: "fake",
    args: kubeletArgs(),
  });
  kubelets.set(name, k);
  return k;
}

beforeAll(async () => {
  nats = await startNats();
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint });
  client = new ApiClient(apiserver.grpcAddress);
  manager = await startControllerManager({
    apiserver: apiserver.grpcAddress,
    args: [
      ...["--controllers", "replicaset,node-lifecycle", "--leader-elect", "false"],
      ...["--nats-servers", nats.url, "--node-monitor-grace-period", String(GRACE_S)],
      ...["--node-monitor-period", "0.5", "--default-unreachable-toleration-seconds", String(TOLERATION_S)],
    ],
  });
  scheduler = await startScheduler({ apiserver: apiserver.grpcAddress });
  await Promise.all([startNode("lc-a"), startNode("lc-b")]);
}, 90_000);

afterAll(async () => {
  for (const k of kubelets.values()) await k.stop();
  await scheduler?.stop();
  await manager?.stop();
  client?.close();
  await apiserver?.stop();
  await etcd?.stop();
  await nats?.stop();
});

const node = (name: string): Promise<Node> => client.get<Node>(NODES, undefined, name);
const ready = (n: Node): string | undefined => n.status?.conditions?.find((c) => c.type === "Ready")?.status;
const tainted = (n: Node): boolean =>
  n.spec?.taints?.some((t) => t.key === TAINT && t.effect === "NoExecute") ?? false;

/** The ReplicaSet's live (not terminating) pods that run, by node. */
async function runningPods(): Promise<Map<string, number>> {
  const { items } = await client.list<Pod>(PODS, NS, { labelSelector: "app=lc" });
  const byNode = new Map<string, number>();
  for (const p of items) {
    if (p.metadata?.deletionTimestamp || p.status?.phase !== "Running") continue;
    const n = p.spec?.nodeName ?? "";
    byNode.set(n, (byNode.get(n) ?? 0) + 1);
  }
  return byNode;
}

async function metric(url: string | undefined, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return Number(line?.split(" ")[1] ?? NaN);
}

describe("node lifecycle over NATS heartbeats", () => {
  it("marks a stopped kubelet's Node Unknown and tainted, moves its pods, and clears the taint on restart", async () => {
    for (const name of ["lc-a", "lc-b"]) {
      expect(ready(await node(name))).toBe("True");
    }
    await client.create<ReplicaSet>(REPLICA_SETS, NS, {
      metadata: { name: "lc" },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: { app: "lc" } },
        template: {
          metadata: { labels: { app: "lc" } },
          spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
        },
      },
    });
    const placed = await until(
      "all replicas running",
      async () => {
        const byNode = await runningPods();
        const total = [...byNode.values()].reduce((a, b) => a + b, 0);
        return total === REPLICAS ? byNode : undefined;
      },
      30_000,
    );
    expect(placed.get("lc-a") ?? 0).toBeGreaterThan(0);

    const stopped = Date.now();
    await kubelets.get("lc-a")?.stop();
    kubelets.delete("lc-a");
    const marked = await until(
      "lc-a Unknown and tainted",
      async () => {
        const n = await node("lc-a");
        return ready(n) === "Unknown" && tainted(n) ? n : undefined;
      },
      (GRACE_S + 6) * 1000,
    );
    const detectedMs = Date.now() - stopped;
    const cond = marked.status?.conditions?.find((c) => c.type === "Ready");
    expect(cond?.reason).toBe("NodeStatusUnknown");
    expect(cond?.message).toBe("Kubelet stopped posting node status.");
    expect(marked.spec?.taints?.find((t) => t.key === TAINT)?.timeAdded).toBeTruthy();
    // Not before the grace period: the last beat was at most a second before the stop.
    expect(detectedMs).toBeGreaterThanOrEqual((GRACE_S - 1) * 1000);
    expect(ready(await node("lc-b"))).toBe("True");

    // After the toleration, the ReplicaSet's pods are all running on lc-b.
    await until(
      "pods recreated on lc-b",
      async () => ((await runningPods()).get("lc-b") === REPLICAS ? true : undefined),
      (TOLERATION_S + 15) * 1000,
    );
    expect(await metric(manager.healthUrl, "node_lifecycle_evictions_total")).toBeGreaterThanOrEqual(
      placed.get("lc-a") ?? 0,
    );

    // The kubelet comes back: the taint goes and the Node is Ready again.
    await startNode("lc-a");
    await until(
      "lc-a Ready and untainted",
      async () => {
        const n = await node("lc-a");
        return ready(n) === "True" && !tainted(n) ? n : undefined;
      },
      10_000,
    );
  }, 90_000);

  it("survives a NATS outage longer than the grace: no node marked Unknown, nothing lost, all reconnect", async () => {
    const heartbeatsBefore = await metric(manager.healthUrl, "node_lifecycle_heartbeats_total");
    const statusWritesBefore = await metric(manager.healthUrl, "node_lifecycle_status_writes_total");
    const rvBefore = (await client.get<ReplicaSet>(REPLICA_SETS, NS, "lc")).metadata?.uid;
    await nats.pause();
    const watchUnknown = async (ms: number): Promise<void> => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        for (const name of ["lc-a", "lc-b"]) {
          const n = await node(name);
          expect({ name, ready: ready(n), tainted: tainted(n) }).toEqual({
            name,
            ready: "True",
            tainted: false,
          });
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    // Down twice the grace period.
    await watchUnknown(2 * GRACE_S * 1000);
    await nats.resume();
    // Back: heartbeats flow again without any restart, and nobody is judged on the outage.
    await until(
      "heartbeats after NATS came back",
      async () =>
        (await metric(manager.healthUrl, "node_lifecycle_heartbeats_total")) > heartbeatsBefore + 4
          ? true
          : undefined,
      15_000,
    );
    await watchUnknown((GRACE_S + 2) * 1000);
    expect(await metric(manager.healthUrl, "node_lifecycle_status_writes_total")).toBe(statusWritesBefore);
    // etcd kept everything: the ReplicaSet (same object) and its running pods.
    expect((await client.get<ReplicaSet>(REPLICA_SETS, NS, "lc")).metadata?.uid).toBe(rvBefore);
    const byNode = await runningPods();
    expect([...byNode.values()].reduce((a, b) => a + b, 0)).toBe(REPLICAS);
    // Each kubelet still heartbeats: stopping one is still detected.
    const k = kubelets.get("lc-b");
    expect(
      await metric(
        k ? `http://127.0.0.1:${k.port}` : undefined,
        'kubelet_node_status_writes_total{reason="heartbeat"}',
      ),
    ).toBe(0);
  }, 90_000);

  it("evicts nothing when every node goes silent at once (master disruption mode)", async () => {
    const names = ["lc-a", "lc-b"];
    const podsBefore = (await client.list<Pod>(PODS, NS, { labelSelector: "app=lc" })).items.map(
      (p) => p.metadata?.uid,
    );
    expect(podsBefore).toHaveLength(REPLICAS);
    // Stopped together: whichever goes silent first may be tainted for a moment (its zone
    // still looked healthy); once both are, the taints come off and stay off.
    await Promise.all(names.map((name) => kubelets.get(name)?.stop()));
    for (const name of names) kubelets.delete(name);
    await until(
      "both Nodes Unknown and untainted",
      async () => {
        const all = await Promise.all(names.map(node));
        return all.every((n) => ready(n) === "Unknown" && !tainted(n)) ? all : undefined;
      },
      (GRACE_S + 6) * 1000,
    );
    // Well past every pod's toleration: nobody tainted, nothing evicted.
    const end = Date.now() + (TOLERATION_S + 3) * 1000;
    while (Date.now() < end) {
      for (const name of names) expect(tainted(await node(name)), name).toBe(false);
      await new Promise((r) => setTimeout(r, 250));
    }
    const podsAfter = (await client.list<Pod>(PODS, NS, { labelSelector: "app=lc" })).items;
    expect(podsAfter.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.uid)).toEqual(
      podsBefore,
    );
    await Promise.all(names.map(startNode));
    await until(
      "both Nodes Ready again",
      async () => {
        const all = await Promise.all(names.map(node));
        return all.every((n) => ready(n) === "True" && !tainted(n)) ? all : undefined;
      },
      15_000,
    );
  }, 90_000);
});
