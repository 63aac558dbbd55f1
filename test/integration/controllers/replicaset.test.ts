import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Pod, type ReplicaSet } from "@ktl/api";
import { isConflict } from "@ktl/apimachinery";
import { ApiClient } from "@ktl/client";
import {
  startApiserver,
  startControllerManager,
  startEtcd,
  type ApiserverProcess,
  type EtcdServer,
  type ServiceProcess,
  until,
} from "@ktl/testing";

const pods = findResource("", "pods")!;
const replicasets = findResource("apps", "replicasets")!;
const NS = "default";

let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let client: ApiClient;
let manager: ServiceProcess;

const startManager = (): Promise<ServiceProcess> =>
  startControllerManager({
    apiserver: apiserver.grpcAddress,
    args: ["--controllers", "replicaset", "--leader-elect", "false"],
  });

beforeAll(async () => {
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint });
  client = new ApiClient(apiserver.grpcAddress);
  manager = await startManager();
});

afterAll(async () => {
  await manager?.stop();
  client?.close();
  await apiserver?.stop();
  await etcd?.stop();
});

function createReplicaSet(name: string, replicas: number, minReadySeconds = 0): Promise<ReplicaSet> {
  return client.create<ReplicaSet>(replicasets, NS, {
    metadata: { name },
    spec: {
      replicas,
      minReadySeconds,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.9" }] },
      },
    },
  });
}

/** The live pods `rs` controls. */
async function owned(rs: ReplicaSet): Promise<Pod[]> {
  const { items } = await client.list<Pod>(pods, NS);
  return items.filter(
    (p) =>
      !p.metadata?.deletionTimestamp &&
      p.metadata?.ownerReferences?.some((r) => r.controller && r.uid === rs.metadata?.uid),
  );
}

const waitForOwned = (rs: ReplicaSet, count: number, timeoutMs?: number): Promise<Pod[]> =>
  until(
    `${count} pods owned by ${rs.metadata?.name}`,
    async () => {
      const list = await owned(rs);
      return list.length === count ? list : undefined;
    },
    timeoutMs,
  );

const waitForStatus = (
  rs: ReplicaSet,
  want: Partial<NonNullable<ReplicaSet["status"]>>,
): Promise<ReplicaSet> =>
  until(`status ${JSON.stringify(want)} of ${rs.metadata?.name}`, async () => {
    const current = await client.get<ReplicaSet>(replicasets, NS, rs.metadata?.name ?? "");
    const status = current.status ?? {};
    const matches = Object.entries(want).every(([k, v]) => (status as Record<string, unknown>)[k] === v);
    return matches ? current : undefined;
  });

async function scale(rs: ReplicaSet, replicas: number): Promise<void> {
  await client.patch(replicasets, NS, rs.metadata?.name ?? "", { spec: { replicas } });
}

/** Plays the kubelet: the pod runs and its Ready condition is `ready`. */
async function setReady(name: string, ready: boolean): Promise<void> {
  for (;;) {
    const pod = await client.get<Pod>(pods, NS, name);
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    try {
      await client.updateStatus<Pod>(pods, {
        ...pod,
        status: {
          ...pod.status,
          phase: "Running",
          conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: now }],
        },
      });
      return;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}

describe("ReplicaSet controller against a real apiserver", () => {
  it("creates owned pods, scales up, and scales down keeping the ready pod", async () => {
    const rs = await createReplicaSet("web", 3);
    const first = await waitForOwned(rs, 3);
    for (const pod of first) {
      expect(pod.metadata?.name).toMatch(/^web-/);
      expect(pod.metadata?.ownerReferences).toEqual([
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "web",
          uid: rs.metadata?.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    await waitForStatus(rs, { replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });

    await scale(rs, 5);
    const five = await waitForOwned(rs, 5);
    const keeper = five[2]?.metadata?.name ?? "";
    await setReady(keeper, true);
    await waitForStatus(rs, { replicas: 5, readyReplicas: 1, availableReplicas: 1, observedGeneration: 2 });

    await scale(rs, 1);
    const survivors = await waitForOwned(rs, 1);
    expect(survivors.map((p) => p.metadata?.name)).toEqual([keeper]);
    await waitForStatus(rs, { replicas: 1, readyReplicas: 1, observedGeneration: 3 });
    await sleep(300);
    expect(await owned(rs)).toHaveLength(1);
  });

  it("adopts a matching orphan and releases a pod that stops matching", async () => {
    await client.create<Pod>(pods, NS, {
      metadata: { name: "orphan", labels: { app: "adopt" } },
      spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.9" }] },
    });
    const rs = await createReplicaSet("adopt", 2);
    const both = await waitForOwned(rs, 2);
    expect(both.map((p) => p.metadata?.name)).toContain("orphan");
    const orphan = both.find((p) => p.metadata?.name === "orphan");
    expect(orphan?.metadata?.ownerReferences?.[0]).toMatchObject({ uid: rs.metadata?.uid, controller: true });

    await client.patch(pods, NS, "orphan", { metadata: { labels: { app: "elsewhere" } } });
    const replaced = await until("the relabelled pod released and replaced", async () => {
      const list = await owned(rs);
      return list.length === 2 && !list.some((p) => p.metadata?.name === "orphan") ? list : undefined;
    });
    expect(replaced).toHaveLength(2);
    const released = await client.get<Pod>(pods, NS, "orphan");
    expect(released.metadata?.ownerReferences ?? []).toEqual([]);
    expect(released.metadata?.deletionTimestamp).toBeUndefined();
  });

  it("follows readiness in readyReplicas and availableReplicas after minReadySeconds", async () => {
    // minReadySeconds 2: ready times have second precision, so the window in which the
    // pods are ready but not yet available is at least one second long.
    const rs = await createReplicaSet("ready", 2, 2);
    const [a, b] = await waitForOwned(rs, 2);
    await setReady(a?.metadata?.name ?? "", true);
    await setReady(b?.metadata?.name ?? "", true);
    await waitForStatus(rs, { readyReplicas: 2, availableReplicas: 0 });
    // Nothing else happens: the controller comes back by itself once minReadySeconds have passed.
    await waitForStatus(rs, { readyReplicas: 2, availableReplicas: 2 });
    await setReady(a?.metadata?.name ?? "", false);
    await waitForStatus(rs, { readyReplicas: 1, availableReplicas: 1 });
  });

  it("never makes extra pods when the controller-manager is killed mid-creation and replaced", async () => {
    const replicas = 30;
    const everSeen = new Set<string>();
    const live = new Set<string>();
    let mostLive = 0;
    let killed: Promise<void> | undefined;
    const watching = new AbortController();
    const watchLoop = (async () => {
      const stream = client.watch<Pod>(pods, NS, { labelSelector: "app=crash" }, watching.signal);
      for await (const event of stream) {
        const name = event.object.metadata?.name ?? "";
        if (event.type === "ADDED") {
          // kill -9 as soon as the first pod exists: the slow-start batches are still going.
          killed ??= manager.kill();
          everSeen.add(name);
          live.add(name);
        } else if (event.type === "DELETED") {
          live.delete(name);
        }
        mostLive = Math.max(mostLive, live.size);
      }
    })().catch(() => undefined);

    const rs = await createReplicaSet("crash", replicas);
    await until("the first pod", async () => (killed ? true : undefined));
    await killed;
    await manager.stop(); // already dead: this only removes its logs
    const beforeRestart = (await owned(rs)).length;
    manager = await startManager();

    await waitForOwned(rs, replicas, 15_000);
    await waitForStatus(rs, { replicas });
    await sleep(500);
    watching.abort();
    await watchLoop;

    // Killed mid-creation: the slow-start batches had not got far.
    expect(beforeRestart).toBeGreaterThan(0);
    expect(beforeRestart).toBeLessThan(replicas);
    expect(await owned(rs)).toHaveLength(replicas);
    expect(mostLive).toBe(replicas);
    // No pod beyond the 30 was ever created (and then deleted again).
    expect(everSeen.size).toBe(replicas);
  });
});
