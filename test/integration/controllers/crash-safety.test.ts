/**
 * Crash safety: the controller-manager is killed with SIGKILL in the middle of
 * a rolling update and started again. The rollout completes, the rolling-update
 * bounds hold at every pod event throughout, and no pod or ReplicaSet is left
 * without its owner.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Deployment, type Pod, type ReplicaSet } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import {
  startApiserver,
  startControllerManager,
  startEtcd,
  startFakeKubelet,
  type ApiserverProcess,
  type EtcdServer,
  type ServiceProcess,
} from "@ktl/testing";

const pods = findResource("", "pods")!;
const deployments = findResource("apps", "deployments")!;
const replicasets = findResource("apps", "replicasets")!;
const namespaces = findResource("", "namespaces")!;
const NS = "crash";
const REPLICAS = 6;
const MAX_SURGE = 1;
const MAX_UNAVAILABLE = 1;
const CM_ARGS = ["--controllers", "replicaset,deployment,garbage-collector", "--leader-elect", "false"];

let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let client: ApiClient;
let stopKubelet: () => void;
const managers: ServiceProcess[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint });
  client = new ApiClient(apiserver.grpcAddress);
  managers.push(await startControllerManager({ apiserver: apiserver.grpcAddress, args: CM_ARGS }));
  // Slow pod start-up stretches the rollout, so the kill lands in the middle of it.
  stopKubelet = startFakeKubelet({ client, namespace: NS, startupMs: 400 });
  await client.create(namespaces, undefined, { metadata: { name: NS } });
});

afterAll(async () => {
  stopKubelet?.();
  client?.close();
  for (const m of managers) await m.stop();
  await apiserver?.stop();
  await etcd?.stop();
});

async function waitForRollout(image: string, timeoutMs = 60_000): Promise<Deployment> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await client.get<Deployment>(deployments, NS, "web");
    const s = d.status ?? {};
    if (
      d.spec?.template?.spec?.containers?.[0]?.image === image &&
      s.observedGeneration === d.metadata?.generation &&
      s.updatedReplicas === REPLICAS &&
      s.availableReplicas === REPLICAS &&
      s.replicas === REPLICAS
    ) {
      return d;
    }
    if (Date.now() > deadline) throw new Error(`rollout to ${image} did not finish: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const isReady = (p: Pod): boolean =>
  p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

describe("controller-manager crash during a rollout", () => {
  it("completes the rollout within its bounds after a SIGKILL and restart, with nothing orphaned", async () => {
    await client.create<Deployment>(deployments, NS, {
      metadata: { name: "web" },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: { app: "web" } },
        strategy: {
          type: "RollingUpdate",
          rollingUpdate: { maxSurge: MAX_SURGE, maxUnavailable: MAX_UNAVAILABLE },
        },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "c", image: "busybox:a" }] },
        },
      },
    });
    await waitForRollout("busybox:a");

    // Track every pod event from here on: total pods and ready pods.
    const live = new Map<string, Pod>();
    for (const p of (await client.list<Pod>(pods, NS)).items) live.set(p.metadata?.name ?? "", p);
    const rv = (await client.list(pods, NS)).metadata.resourceVersion;
    let maxPods = live.size;
    let minReady = [...live.values()].filter(isReady).length;
    const abort = new AbortController();
    const tracking = (async () => {
      for await (const ev of client.watch<Pod>(pods, NS, { resourceVersion: rv }, abort.signal)) {
        const name = ev.object.metadata?.name ?? "";
        if (ev.type === "DELETED" || ev.object.metadata?.deletionTimestamp) live.delete(name);
        else if (ev.type === "ADDED" || ev.type === "MODIFIED") live.set(name, ev.object);
        maxPods = Math.max(maxPods, live.size);
        minReady = Math.min(minReady, [...live.values()].filter(isReady).length);
      }
    })().catch(() => undefined);

    await client.patch(
      deployments,
      NS,
      "web",
      { spec: { template: { spec: { containers: [{ name: "c", image: "busybox:b" }] } } } },
      {
        patchType: "application/strategic-merge-patch+json",
      },
    );
    // Let the rollout get going, then crash the manager in the middle of it.
    await new Promise((r) => setTimeout(r, 900));
    const midway = (await client.list<ReplicaSet>(replicasets, NS)).items;
    expect(midway.length).toBe(2);
    const newPodsReady = [...live.values()].filter(
      (p) => p.spec?.containers?.[0]?.image === "busybox:b" && isReady(p),
    );
    expect(newPodsReady.length, "the kill must land in the middle of the rollout").toBeLessThan(REPLICAS);
    await managers[0]!.kill();
    await new Promise((r) => setTimeout(r, 500));
    managers.push(await startControllerManager({ apiserver: apiserver.grpcAddress, args: CM_ARGS }));

    await waitForRollout("busybox:b");
    // Settle: the old ReplicaSet scaled to 0 and its pods gone.
    await new Promise((r) => setTimeout(r, 500));
    abort.abort();
    await tracking;

    expect(maxPods).toBeLessThanOrEqual(REPLICAS + MAX_SURGE);
    expect(minReady).toBeGreaterThanOrEqual(REPLICAS - MAX_UNAVAILABLE);

    const deployment = await client.get<Deployment>(deployments, NS, "web");
    const sets = (await client.list<ReplicaSet>(replicasets, NS)).items;
    for (const rs of sets) {
      const owner = rs.metadata?.ownerReferences?.find((o) => o.controller);
      expect(owner?.uid, `ReplicaSet ${rs.metadata?.name} has its owner`).toBe(deployment.metadata?.uid);
    }
    const setUids = new Set(sets.map((rs) => rs.metadata?.uid));
    const finalPods = (await client.list<Pod>(pods, NS)).items;
    expect(finalPods).toHaveLength(REPLICAS);
    for (const p of finalPods) {
      const owner = p.metadata?.ownerReferences?.find((o) => o.controller);
      expect(setUids.has(owner?.uid), `pod ${p.metadata?.name} is owned by a live ReplicaSet`).toBe(true);
      expect(p.spec?.containers?.[0]?.image).toBe("busybox:b");
    }
  }, 90_000);
});
