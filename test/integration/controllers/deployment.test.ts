import { setTimeout as sleep } from "node:timers/promises";
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
  until,
} from "@ktl/testing";
import { RestClient } from "../apiserver/client.js";

const pods = findResource("", "pods")!;
const replicasets = findResource("apps", "replicasets")!;
const deployments = findResource("apps", "deployments")!;
const NS = "default";
const DEPLOYMENTS_PATH = `/apis/apps/v1/namespaces/${NS}/deployments`;
/** The fake kubelet never makes pods of this image ready. */
const NEVER_READY = "registry.k8s.io/never-ready:1";
const IMAGE_A = "registry.k8s.io/pause:3.8";
const IMAGE_B = "registry.k8s.io/pause:3.9";

let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let client: ApiClient;
let rest: RestClient;
let manager: ServiceProcess;
let stopKubelet: (() => void) | undefined;

beforeAll(async () => {
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint });
  client = new ApiClient(apiserver.grpcAddress);
  rest = new RestClient(apiserver.url);
  manager = await startControllerManager({
    apiserver: apiserver.grpcAddress,
    args: ["--controllers", "replicaset,deployment", "--leader-elect", "false"],
  });
  // The test plays the kubelet: new pods become Running and Ready 150 ms after they appear,
  // through the status subresource — except those of the NEVER_READY image.
  stopKubelet = startFakeKubelet({
    client,
    namespace: NS,
    startupMs: 150,
    neverReady: (image) => image === NEVER_READY,
  });
});

afterAll(async () => {
  stopKubelet?.();
  await manager?.stop();
  client?.close();
  await apiserver?.stop();
  await etcd?.stop();
});

// ---------------------------------------------------------------- helpers

function isReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/**
 * Watches the pods of one app and checks the rolling-update bounds on every
 * event: the live pods, and how many of them are ready.
 */
function monitor(app: string) {
  const current = new Map<string, Pod>();
  const stats = { maxLive: 0, minReady: Infinity, maxHashes: 0, events: 0 };
  let checking = false;
  let failure: unknown;
  const abort = new AbortController();
  let synced!: () => void;
  const ready = new Promise<void>((resolve) => (synced = resolve));
  const loop = (async () => {
    const list = await client.list<Pod>(pods, NS, { labelSelector: `app=${app}` });
    for (const pod of list.items) current.set(pod.metadata?.name ?? "", pod);
    synced();
    const stream = client.watch<Pod>(
      pods,
      NS,
      { labelSelector: `app=${app}`, resourceVersion: list.metadata.resourceVersion },
      abort.signal,
    );
    for await (const event of stream) {
      const name = event.object.metadata?.name ?? "";
      if (event.type === "DELETED") current.delete(name);
      else current.set(name, event.object);
      if (!checking) continue;
      stats.events++;
      const live = [...current.values()].filter((p) => !p.metadata?.deletionTimestamp);
      stats.maxLive = Math.max(stats.maxLive, live.length);
      stats.minReady = Math.min(stats.minReady, live.filter(isReady).length);
      // Every pod present, terminating or not, by its ReplicaSet's hash.
      const hashes = new Set([...current.values()].map((p) => p.metadata?.labels?.["pod-template-hash"]));
      stats.maxHashes = Math.max(stats.maxHashes, hashes.size);
    }
  })().catch((err: unknown) => {
    failure = err; // a broken watch would leave events unchecked: fail the test at stop()
    synced();
  });
  return {
    stats,
    async start(): Promise<void> {
      await ready;
      checking = true;
    },
    async stop(): Promise<void> {
      abort.abort();
      await loop;
      if (failure !== undefined) throw failure;
    },
  };
}

function deployment(
  name: string,
  options: {
    replicas: number;
    image: string;
    strategy?: NonNullable<Deployment["spec"]>["strategy"];
    progressDeadlineSeconds?: number;
    revisionHistoryLimit?: number;
  },
): Deployment {
  return {
    metadata: { name, annotations: { "kubernetes.io/change-cause": `create ${options.image}` } },
    spec: {
      replicas: options.replicas,
      selector: { matchLabels: { app: name } },
      strategy: options.strategy,
      progressDeadlineSeconds: options.progressDeadlineSeconds,
      revisionHistoryLimit: options.revisionHistoryLimit,
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "c", image: options.image }] },
      },
    },
  };
}

async function create(d: Deployment): Promise<Deployment> {
  const reply = await rest.post(DEPLOYMENTS_PATH, d);
  expect(reply.status).toBe(201);
  return reply.body as Deployment;
}

const getDeployment = (name: string): Promise<Deployment> => client.get<Deployment>(deployments, NS, name);

/** `kubectl set image deployment/<name> c=<image>`: a strategic merge patch of the template. */
async function setImage(name: string, image: string): Promise<void> {
  const patch = { spec: { template: { spec: { containers: [{ name: "c", image }] } } } };
  const reply = await rest.patch(
    `${DEPLOYMENTS_PATH}/${name}`,
    patch,
    "application/strategic-merge-patch+json",
  );
  expect(reply.status).toBe(200);
}

/** `kubectl scale deployment/<name> --replicas=N`: a patch of the scale subresource. */
async function scaleTo(name: string, replicas: number): Promise<void> {
  const reply = await rest.patch(
    `${DEPLOYMENTS_PATH}/${name}/scale`,
    { spec: { replicas } },
    "application/merge-patch+json",
  );
  expect(reply.status).toBe(200);
}

/** The ReplicaSets the Deployment controls, lowest revision first. */
async function ownedReplicaSets(d: Deployment): Promise<ReplicaSet[]> {
  const { items } = await client.list<ReplicaSet>(replicasets, NS);
  return items
    .filter((rs) => rs.metadata?.ownerReferences?.some((r) => r.controller && r.uid === d.metadata?.uid))
    .sort((a, b) => revision(a) - revision(b));
}

function revision(obj: { metadata?: { annotations?: Record<string, string> } }): number {
  return Number(obj.metadata?.annotations?.["deployment.kubernetes.io/revision"] ?? "0");
}

function condition(d: Deployment, type: string) {
  return d.status?.conditions?.find((c) => c.type === type);
}

/** What `kubectl rollout status` waits for: the latest spec observed and every replica updated and available. */
function waitForRollout(name: string, timeoutMs?: number): Promise<Deployment> {
  return until(
    `the rollout of ${name}`,
    async () => {
      const d = await getDeployment(name);
      const s = d.status ?? {};
      const replicas = d.spec?.replicas ?? 1;
      const done =
        (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
        s.updatedReplicas === replicas &&
        s.replicas === replicas &&
        s.availableReplicas === replicas &&
        condition(d, "Progressing")?.reason === "NewReplicaSetAvailable";
      return done ? d : undefined;
    },
    timeoutMs,
  );
}

/**
 * `kubectl rollout undo`: finds the ReplicaSet of the previous revision and
 * patches the Deployment's template and annotations back to its own,
 * client-side (kubectl's DeploymentRollbacker).
 */
async function rolloutUndo(d: Deployment): Promise<ReplicaSet> {
  const rsList = await ownedReplicaSets(d);
  const revisions = rsList.map(revision).sort((a, b) => b - a);
  const target = rsList.find((rs) => revision(rs) === revisions[1]);
  if (!target) throw new Error("no previous revision");
  const template = structuredClone(target.spec?.template ?? {});
  delete template.metadata?.labels?.["pod-template-hash"];
  const skip = new Set([
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
  ]);
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) if (skip.has(k)) annotations[k] = v;
  for (const [k, v] of Object.entries(target.metadata?.annotations ?? {}))
    if (!skip.has(k)) annotations[k] = v;
  const patch = [
    { op: "replace", path: "/spec/template", value: template },
    { op: "replace", path: "/metadata/annotations", value: annotations },
  ];
  const reply = await rest.patch(
    `${DEPLOYMENTS_PATH}/${d.metadata?.name}`,
    patch,
    "application/json-patch+json",
  );
  expect(reply.status).toBe(200);
  return target;
}

// ---------------------------------------------------------------- tests

describe("Deployment controller against a real apiserver", () => {
  it("rolls 5 replicas from A to B within maxSurge and maxUnavailable, then rolls back reusing the old ReplicaSet", async () => {
    // Defaults: maxSurge 25% → 2 (rounded up), maxUnavailable 25% → 1 (rounded down).
    const created = await create(deployment("web", { replicas: 5, image: IMAGE_A }));
    await waitForRollout("web");
    const [first] = await ownedReplicaSets(created);
    expect(first?.metadata?.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(first?.metadata?.labels?.["pod-template-hash"]).toBe(first?.metadata?.name?.slice(4));
    expect(first?.spec?.selector?.matchLabels).toEqual({
      app: "web",
      "pod-template-hash": first?.metadata?.labels?.["pod-template-hash"],
    });
    expect(first?.metadata?.annotations).toMatchObject({
      "deployment.kubernetes.io/revision": "1",
      "deployment.kubernetes.io/desired-replicas": "5",
      "deployment.kubernetes.io/max-replicas": "7",
      "kubernetes.io/change-cause": `create ${IMAGE_A}`,
    });

    const watch = monitor("web");
    await watch.start();
    await setImage("web", IMAGE_B);
    const rolled = await waitForRollout("web");
    expect(rolled.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
    expect(rolled.status).toMatchObject({
      replicas: 5,
      updatedReplicas: 5,
      availableReplicas: 5,
      readyReplicas: 5,
    });
    expect(condition(rolled, "Available")).toMatchObject({
      status: "True",
      reason: "MinimumReplicasAvailable",
    });
    const afterRoll = await ownedReplicaSets(created);
    expect(afterRoll).toHaveLength(2);
    const [oldRS, newRS] = afterRoll;
    expect(oldRS?.metadata?.name).toBe(first?.metadata?.name);
    expect(oldRS?.spec?.replicas).toBe(0);
    expect(newRS?.spec?.replicas).toBe(5);
    expect(newRS?.spec?.template?.spec?.containers?.[0]?.image).toBe(IMAGE_B);
    expect(revision(newRS ?? {})).toBe(2);

    // kubectl rollout undo: back to revision 1, whose ReplicaSet is reused.
    const target = await rolloutUndo(rolled);
    expect(target.metadata?.name).toBe(first?.metadata?.name);
    const undone = await waitForRollout("web");
    await watch.stop();
    expect(undone.spec?.template?.spec?.containers?.[0]?.image).toBe(IMAGE_A);
    expect(undone.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("3");
    const afterUndo = await ownedReplicaSets(created);
    expect(afterUndo.map((rs) => rs.metadata?.name)).toEqual([newRS?.metadata?.name, first?.metadata?.name]);
    const reused = afterUndo[1];
    expect(reused?.spec?.replicas).toBe(5);
    expect(reused?.metadata?.annotations).toMatchObject({
      "deployment.kubernetes.io/revision": "3",
      "deployment.kubernetes.io/revision-history": "1",
    });
    expect(afterUndo[0]?.spec?.replicas).toBe(0);

    // Checked on every pod event of both rollouts: 5 + maxSurge (2) pods at most, 5 − maxUnavailable (1) ready at least.
    expect(watch.stats.events).toBeGreaterThan(20);
    expect(watch.stats.maxLive).toBeLessThanOrEqual(7);
    expect(watch.stats.maxLive).toBeGreaterThan(5); // it did surge
    expect(watch.stats.minReady).toBeGreaterThanOrEqual(4);
  });

  it("scales up and down through the scale subresource", async () => {
    await scaleTo("web", 8);
    const up = await waitForRollout("web");
    expect(up.status).toMatchObject({ replicas: 8, availableReplicas: 8 });
    await scaleTo("web", 2);
    const down = await waitForRollout("web");
    expect(down.status).toMatchObject({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 });
    const { items } = await client.list<Pod>(pods, NS, { labelSelector: "app=web" });
    expect(items.filter((p) => !p.metadata?.deletionTimestamp)).toHaveLength(2);
    const rsList = await ownedReplicaSets(down);
    expect(rsList.map((rs) => rs.spec?.replicas)).toEqual([0, 2]);
    expect(rsList[1]?.metadata?.annotations?.["deployment.kubernetes.io/desired-replicas"]).toBe("2");
  });

  it("stops a rollout that never becomes ready at progressDeadlineSeconds, and scales it proportionally", async () => {
    const strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    await create(deployment("stuck", { replicas: 3, image: IMAGE_A, strategy, progressDeadlineSeconds: 5 }));
    await waitForRollout("stuck");
    const started = Date.now();
    await setImage("stuck", NEVER_READY);
    const timedOut = await until("ProgressDeadlineExceeded", async () => {
      const d = await getDeployment("stuck");
      return condition(d, "Progressing")?.reason === "ProgressDeadlineExceeded" ? d : undefined;
    });
    // Never before the deadline; a little after it (timestamps have second precision).
    expect(Date.now() - started).toBeGreaterThanOrEqual(5_000);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(condition(timedOut, "Progressing")).toMatchObject({ status: "False" });
    expect(condition(timedOut, "Progressing")?.message).toMatch(/has timed out progressing/);
    // maxUnavailable 0: the old pods all stay; one surge pod that never gets ready.
    expect(condition(timedOut, "Available")).toMatchObject({ status: "True" });
    expect(timedOut.status).toMatchObject({ replicas: 4, updatedReplicas: 1, availableReplicas: 3 });
    const [oldRS, newRS] = await ownedReplicaSets(timedOut);
    expect([oldRS?.spec?.replicas, newRS?.spec?.replicas]).toEqual([3, 1]);

    // Scaling mid-rollout shares the new size out in proportion (sync.go scale()):
    // the total may reach 6 + 1; old 3 × 7/4 → 5, new 1 × 7/4 → 2.
    await scaleTo("stuck", 6);
    const scaled = await until("proportional scaling", async () => {
      const rsList = await ownedReplicaSets(timedOut);
      const sizes = rsList.map((rs) => rs.spec?.replicas);
      return sizes[0] === 5 && sizes[1] === 2 ? rsList : undefined;
    });
    expect(scaled[0]?.metadata?.annotations?.["deployment.kubernetes.io/desired-replicas"]).toBe("6");
    expect(scaled[1]?.metadata?.annotations?.["deployment.kubernetes.io/max-replicas"]).toBe("7");
  });

  it("pauses, resumes, and never runs old and new pods at once with Recreate", async () => {
    await create(
      deployment("recreate", {
        replicas: 3,
        image: IMAGE_A,
        strategy: { type: "Recreate" },
        revisionHistoryLimit: 1,
      }),
    );
    const d = await waitForRollout("recreate");

    // Paused: a template change makes no new ReplicaSet.
    await rest.patch(
      `${DEPLOYMENTS_PATH}/recreate`,
      { spec: { paused: true } },
      "application/merge-patch+json",
    );
    await until("the paused condition", async () => {
      const current = await getDeployment("recreate");
      return condition(current, "Progressing")?.reason === "DeploymentPaused" ? current : undefined;
    });
    await setImage("recreate", IMAGE_B);
    await sleep(500);
    expect(await ownedReplicaSets(d)).toHaveLength(1);

    const watch = monitor("recreate");
    await watch.start();
    await rest.patch(
      `${DEPLOYMENTS_PATH}/recreate`,
      { spec: { paused: false } },
      "application/merge-patch+json",
    );
    await waitForRollout("recreate");
    await setImage("recreate", "registry.k8s.io/pause:3.10");
    const done = await waitForRollout("recreate");
    await watch.stop();
    expect(watch.stats.events).toBeGreaterThan(10);
    expect(watch.stats.maxHashes).toBe(1);
    expect(watch.stats.maxLive).toBeLessThanOrEqual(3);

    // revisionHistoryLimit 1: of the two old ReplicaSets only the latest is kept.
    const rsList = await until("the cleanup of old ReplicaSets", async () => {
      const list = await ownedReplicaSets(done);
      return list.length === 2 ? list : undefined;
    });
    expect(rsList.map(revision)).toEqual([2, 3]);
    expect(rsList.map((rs) => rs.spec?.replicas)).toEqual([0, 3]);
  });
});
