import { describe, expect, it } from "vitest";
import type { Pod, ReplicaSet } from "@ktl/api";
import { forbidden, notFound } from "@ktl/apimachinery";
import { FakeApiClient, type RecordedAction } from "@ktl/client";
import { Expectations } from "@ktl/controller";
import { IndexedStore } from "@ktl/informers";
import { PODS, REPLICA_SETS } from "./pod-control.js";
import { ReplicaSetSync } from "./sync.js";

const NOW = Date.parse("2024-05-01T12:00:00Z");
const at = (secondsAgo: number): string =>
  new Date(NOW - secondsAgo * 1000).toISOString().replace(/\.\d+Z$/, "Z");
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** sample-controller's fixture: a recording fake client, caches seeded by hand, direct reconcile calls. */
class Fixture {
  readonly client = new FakeApiClient();
  readonly replicaSets = new IndexedStore<ReplicaSet>();
  readonly pods = new IndexedStore<Pod>();
  readonly expectations = new Expectations();
  readonly sync = new ReplicaSetSync({
    client: this.client,
    replicaSets: this.replicaSets,
    pods: this.pods,
    expectations: this.expectations,
    log: silent,
    now: () => NOW,
  });

  /** Puts the ReplicaSet in the fake apiserver and, as the apiserver returned it, in the cache. */
  rs(spec: { replicas: number; minReadySeconds?: number }, meta: ReplicaSet["metadata"] = {}): ReplicaSet {
    const rs: ReplicaSet = {
      metadata: { name: "web", namespace: "ns", uid: "rs-uid", generation: 2, ...meta },
      spec: {
        ...spec,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web", tier: "fe" } },
          spec: { containers: [{ name: "c", image: "nginx" }] },
        },
      },
      status: { replicas: 0 },
    };
    this.client.seed(REPLICA_SETS, rs);
    const stored = this.client.stored<ReplicaSet>(REPLICA_SETS, "ns", meta.name ?? "web");
    if (!stored) throw new Error("not seeded");
    this.replicaSets.add(stored);
    return stored;
  }

  /** A pod in the fake apiserver and the cache; owned by the ReplicaSet unless `owner` says otherwise. */
  pod(name: string, options: PodOptions = {}): Pod {
    const pod: Pod = {
      metadata: {
        name,
        namespace: "ns",
        uid: `uid-${name}`,
        labels: options.labels ?? { app: "web", tier: "fe" },
        creationTimestamp: at(options.age ?? 100),
        ...(options.owner === null
          ? {}
          : {
              ownerReferences: [
                {
                  apiVersion: "apps/v1",
                  kind: "ReplicaSet",
                  name: "web",
                  uid: options.owner ?? "rs-uid",
                  controller: true,
                },
              ],
            }),
        ...(options.deleting ? { deletionTimestamp: at(0) } : {}),
        ...(options.annotations ? { annotations: options.annotations } : {}),
      },
      spec: {
        containers: [{ name: "c", image: "nginx" }],
        ...(options.node ? { nodeName: options.node } : {}),
      },
      status: {
        phase: options.phase ?? "Running",
        ...(options.readySecondsAgo === undefined
          ? {}
          : {
              conditions: [
                { type: "Ready", status: "True", lastTransitionTime: at(options.readySecondsAgo) },
              ],
            }),
        ...(options.restarts ? { containerStatuses: [{ name: "c", restartCount: options.restarts }] } : {}),
      },
    };
    this.client.seed(PODS, pod);
    const stored = this.client.stored<Pod>(PODS, "ns", name);
    if (!stored) throw new Error("not seeded");
    this.pods.add(stored);
    return stored;
  }

  writes(verb?: RecordedAction["verb"]): RecordedAction[] {
    return this.client.writes().filter((a) => verb === undefined || a.verb === verb);
  }

  /** What the last status write said. */
  lastStatus(): ReplicaSet["status"] {
    const last = this.writes("updateStatus").at(-1);
    return (last?.object as ReplicaSet | undefined)?.status;
  }
}

interface PodOptions {
  labels?: Record<string, string>;
  /** Owner uid; null for an orphan. */
  owner?: string | null;
  phase?: string;
  node?: string;
  readySecondsAgo?: number;
  restarts?: number;
  age?: number;
  deleting?: boolean;
  annotations?: Record<string, string>;
}

describe("ReplicaSetSync", () => {
  it("creates the missing pods from the template, owned by the ReplicaSet", async () => {
    const f = new Fixture();
    f.rs({ replicas: 3 });
    await f.sync.reconcile("ns/web");

    const creates = f.writes("create");
    expect(creates).toHaveLength(3);
    for (const create of creates) {
      const pod = create.object as Pod;
      expect(pod.metadata?.generateName).toBe("web-");
      expect(pod.metadata?.labels).toEqual({ app: "web", tier: "fe" });
      expect(pod.metadata?.ownerReferences).toEqual([
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "web",
          uid: "rs-uid",
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(pod.spec?.containers?.[0]?.image).toBe("nginx");
    }
    expect(f.expectations.pending("ns/web")).toEqual({ adds: 3, deletes: 0 });
    // The new pods are not in the cache yet: status says what the cache says.
    expect(f.lastStatus()).toMatchObject({ replicas: 0, observedGeneration: 2 });
  });

  it("does not create again while the creations it expects have not been observed", async () => {
    const f = new Fixture();
    f.rs({ replicas: 3 });
    await f.sync.reconcile("ns/web");
    await f.sync.reconcile("ns/web"); // the watch is slow: the cache still shows no pods
    expect(f.writes("create")).toHaveLength(3);

    // The informer delivers two of the three: still waiting for the third.
    f.pod("a");
    f.pod("b");
    f.expectations.creationObserved("ns/web");
    f.expectations.creationObserved("ns/web");
    await f.sync.reconcile("ns/web");
    expect(f.writes("create")).toHaveLength(3);

    f.pod("c");
    f.expectations.creationObserved("ns/web");
    await f.sync.reconcile("ns/web");
    expect(f.writes("create")).toHaveLength(3);
    expect(f.lastStatus()?.replicas).toBe(3);
  });

  it("creates in slow-start batches of 1, 2, 4 and stops at the first failing batch", async () => {
    const f = new Fixture();
    f.rs({ replicas: 10 });
    let creates = 0;
    f.client.react((action) => {
      if (action.verb !== "create") return undefined;
      creates++;
      return creates === 5 ? forbidden(PODS, "", "exceeded quota") : undefined;
    });
    await expect(f.sync.reconcile("ns/web")).rejects.toThrow("exceeded quota");

    // Batches 1 + 2 + 4 were tried; the 8-batch never started.
    expect(f.writes("create")).toHaveLength(7);
    // Only the 6 successful creations are still expected.
    expect(f.expectations.pending("ns/web")).toEqual({ adds: 6, deletes: 0 });
    const failure = f.lastStatus()?.conditions?.find((c) => c.type === "ReplicaFailure");
    expect(failure).toMatchObject({ status: "True", reason: "FailedCreate" });
    expect(failure?.message).toContain("exceeded quota");
  });

  it("fails fast on a template the apiserver refuses: one request, not replicas", async () => {
    const f = new Fixture();
    f.rs({ replicas: 50 });
    f.client.react((a) => (a.verb === "create" ? new Error("Pod is invalid") : undefined));
    await expect(f.sync.reconcile("ns/web")).rejects.toThrow("Pod is invalid");
    expect(f.writes("create")).toHaveLength(1);
    expect(f.expectations.satisfied("ns/web")).toBe(true);
  });

  it("deletes the surplus in Kubernetes' order and expects those deletions", async () => {
    const f = new Fixture();
    f.rs({ replicas: 1 });
    f.pod("ready-old", { node: "n1", readySecondsAgo: 500, age: 1000 });
    f.pod("ready-new", { node: "n2", readySecondsAgo: 10, age: 20 });
    f.pod("unscheduled", { phase: "Pending", age: 5 });
    f.pod("pending", { node: "n1", phase: "Pending" });
    f.pod("not-ready", { node: "n1" });
    f.pod("crashing", { node: "n3", readySecondsAgo: 500, age: 1000, restarts: 4 });
    await f.sync.reconcile("ns/web");

    // Unscheduled, then Pending, then not ready, then ready for less time, then more restarts.
    expect(f.writes("delete").map((a) => a.name)).toEqual([
      "unscheduled",
      "pending",
      "not-ready",
      "ready-new",
      "crashing",
    ]);
    expect(f.expectations.pending("ns/web")).toEqual({ adds: 0, deletes: 5 });
    expect(f.lastStatus()).toMatchObject({ replicas: 6, readyReplicas: 3 });
  });

  it("lowers the expectations for deletions that failed", async () => {
    const f = new Fixture();
    f.rs({ replicas: 1 });
    f.pod("a", { readySecondsAgo: 60 });
    f.pod("b");
    f.pod("c");
    f.client.react((a) => (a.verb === "delete" && a.name === "b" ? new Error("etcd is down") : undefined));
    await expect(f.sync.reconcile("ns/web")).rejects.toThrow("etcd is down");
    expect(f.expectations.pending("ns/web")).toEqual({ adds: 0, deletes: 1 });
    expect(f.lastStatus()?.conditions?.[0]).toMatchObject({ type: "ReplicaFailure", reason: "FailedDelete" });
  });

  it("adopts matching orphans and releases owned pods that stopped matching", async () => {
    const f = new Fixture();
    f.rs({ replicas: 2 });
    f.pod("owned");
    const orphan = f.pod("orphan", { owner: null });
    const relabelled = f.pod("relabelled", { labels: { app: "other" } });
    f.pod("someone-elses", { owner: "other-uid" });
    f.pod("unrelated-orphan", { owner: null, labels: { app: "db" } });
    f.pod("deleting-orphan", { owner: null, deleting: true });
    await f.sync.reconcile("ns/web");

    const patches = f.writes("patch");
    expect(patches.map((p) => p.name).sort()).toEqual(["orphan", "relabelled"]);
    expect(patches.find((p) => p.name === "orphan")?.patch).toEqual({
      metadata: {
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            name: "web",
            uid: "rs-uid",
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        resourceVersion: orphan.metadata?.resourceVersion,
      },
    });
    expect(patches.find((p) => p.name === "relabelled")?.patch).toEqual({
      metadata: {
        ownerReferences: [{ $patch: "delete", uid: "rs-uid" }],
        resourceVersion: relabelled.metadata?.resourceVersion,
      },
    });
    // The fake applies the strategic merge patches as the apiserver does.
    expect(f.client.stored<Pod>(PODS, "ns", "orphan")?.metadata?.ownerReferences?.[0]?.uid).toBe("rs-uid");
    expect(f.client.stored<Pod>(PODS, "ns", "relabelled")?.metadata?.ownerReferences).toEqual([]);
    // Adoption first re-read the ReplicaSet, live.
    expect(f.client.actions.filter((a) => a.verb === "get" && a.resource === "replicasets")).toHaveLength(1);
    // owned + adopted = 2 = replicas: nothing to create or delete.
    expect(f.writes("create")).toHaveLength(0);
    expect(f.writes("delete")).toHaveLength(0);
    expect(f.lastStatus()?.replicas).toBe(2);
  });

  it("neither adopts nor releases nor scales while the ReplicaSet is being deleted", async () => {
    const f = new Fixture();
    f.rs({ replicas: 3 }, { deletionTimestamp: at(1) });
    f.pod("orphan", { owner: null });
    f.pod("relabelled", { labels: { app: "other" } });
    await f.sync.reconcile("ns/web");
    expect(f.writes().map((a) => a.verb)).toEqual(["updateStatus"]);
  });

  it("does not adopt when the live ReplicaSet turns out to be deleted", async () => {
    const f = new Fixture();
    f.rs({ replicas: 1 });
    f.client.seed(REPLICA_SETS, {
      metadata: { name: "web", namespace: "ns", uid: "rs-uid", deletionTimestamp: at(0) },
    });
    f.pod("orphan", { owner: null });
    await expect(f.sync.reconcile("ns/web")).rejects.toThrow("has just been deleted");
    expect(f.writes("patch")).toHaveLength(0);
  });

  it("does not count terminal pods nor pods being deleted", async () => {
    const f = new Fixture();
    f.rs({ replicas: 2 });
    f.pod("succeeded", { phase: "Succeeded" });
    f.pod("failed", { phase: "Failed" });
    f.pod("deleting", { deleting: true });
    f.pod("running");
    await f.sync.reconcile("ns/web");
    expect(f.writes("create")).toHaveLength(1);
    expect(f.writes("delete")).toHaveLength(0);
    expect(f.lastStatus()?.replicas).toBe(1);
  });

  it("computes the status and writes it only when it changed", async () => {
    const f = new Fixture();
    f.rs({ replicas: 4, minReadySeconds: 30 });
    f.pod("available", { readySecondsAgo: 60 });
    f.pod("ready-soon", { readySecondsAgo: 20 });
    f.pod("not-ready");
    f.pod("partly-labelled", { labels: { app: "web" } });
    const result = await f.sync.reconcile("ns/web");

    expect(f.lastStatus()).toEqual({
      replicas: 4,
      fullyLabeledReplicas: 3,
      readyReplicas: 2,
      availableReplicas: 1,
      observedGeneration: 2,
    });
    // "ready-soon" becomes available in 10 s: look again then.
    expect(result?.requeueAfterMs).toBeGreaterThanOrEqual(10_000);
    expect(result?.requeueAfterMs).toBeLessThan(11_000);

    // The informer brings the written status back: nothing left to write.
    const stored = f.client.stored<ReplicaSet>(REPLICA_SETS, "ns", "web");
    if (stored) f.replicaSets.add(stored);
    await f.sync.reconcile("ns/web");
    expect(f.writes("updateStatus")).toHaveLength(1);
  });

  it("clears the ReplicaFailure condition once creating works again", async () => {
    const f = new Fixture();
    f.rs({ replicas: 1 });
    let fail = true;
    f.client.react((a) => (a.verb === "create" && fail ? new Error("quota") : undefined));
    await expect(f.sync.reconcile("ns/web")).rejects.toThrow("quota");
    const stored = f.client.stored<ReplicaSet>(REPLICA_SETS, "ns", "web");
    if (stored) f.replicaSets.add(stored);
    expect(stored?.status?.conditions).toHaveLength(1);

    fail = false;
    await f.sync.reconcile("ns/web");
    expect(f.lastStatus()?.conditions).toBeUndefined();
  });

  it("forgets the expectations of a ReplicaSet that is gone", async () => {
    const f = new Fixture();
    f.expectations.expect("ns/gone", 3);
    await f.sync.reconcile("ns/gone");
    expect(f.expectations.pending("ns/gone")).toBeUndefined();
    expect(f.client.actions).toHaveLength(0);
  });

  it("treats a pod deleted by someone else meanwhile as deleted", async () => {
    const f = new Fixture();
    f.rs({ replicas: 0 });
    f.pod("a");
    f.client.react((a) => (a.verb === "delete" ? notFound(PODS, "a") : undefined));
    await f.sync.reconcile("ns/web");
    expect(f.expectations.satisfied("ns/web")).toBe(true);
  });
});
