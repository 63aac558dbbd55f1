import { describe, expect, it } from "vitest";
import type { ReplicaSet } from "@ktl/api";
import { isAlreadyExists } from "@ktl/apimachinery";
import { REPLICA_SETS } from "./control.js";
import { D_UID, Fixture, NOW, hashOf, objectOf, template } from "./fixture.js";
import { calculateStatus } from "./sync.js";
import { computeHash } from "./util/hash.js";

const rolling = (surge: number | string, unavailable: number | string) => ({
  type: "RollingUpdate",
  rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable },
});

describe("scaling (sync.go scale())", () => {
  it("shares a scale-up mid-rollout in proportion to each ReplicaSet's size", async () => {
    const f = new Fixture();
    // Was 3 replicas + 1 surge; stuck with 3 old pods and 1 new one; now scaled to 6.
    f.deployment({ replicas: 6, template: template("b"), strategy: rolling(1, 0) });
    f.replicaSet({ image: "a", replicas: 3, revision: 1, age: 200, sizedFor: { desired: 3, max: 4 } });
    f.replicaSet({ image: "b", replicas: 1, available: 0, revision: 2, sizedFor: { desired: 3, max: 4 } });
    await f.reconcile();
    // 7 allowed, 4 now: 3 × 7/4 = 5.25 → 5 and 1 × 7/4 = 1.75 → 2; larger first.
    expect(f.scalings()).toEqual([`web-${hashOf("a")}=5`, `web-${hashOf("b")}=2`]);
    expect(f.stored(`web-${hashOf("b")}`)?.metadata?.annotations).toMatchObject({
      "deployment.kubernetes.io/desired-replicas": "6",
      "deployment.kubernetes.io/max-replicas": "7",
    });
  });

  it("shares a scale-down the same way, older first on a tie", async () => {
    const f = new Fixture();
    f.deployment({ replicas: 5, template: template("b"), strategy: rolling(3, 2) });
    f.replicaSet({ image: "a", replicas: 8, revision: 1, age: 200, sizedFor: { desired: 10, max: 13 } });
    f.replicaSet({ image: "b", replicas: 5, revision: 2, sizedFor: { desired: 10, max: 13 } });
    await f.reconcile();
    // 8 allowed, 13 now: 8 × 8/13 = 4.9 → 5 (−3) and 5 × 8/13 = 3.1 → 3 (−2).
    expect(f.scalings()).toEqual([`web-${hashOf("a")}=5`, `web-${hashOf("b")}=3`]);
  });

  it("gives every replica to the only active ReplicaSet", async () => {
    const f = new Fixture();
    f.deployment({ replicas: 8, template: template("a"), strategy: rolling("25%", "25%") });
    f.replicaSet({ image: "a", replicas: 5, revision: 1, sizedFor: { desired: 5, max: 7 } });
    await f.reconcile();
    expect(f.scalings()).toEqual([`web-${hashOf("a")}=8`]);
    expect(f.stored(`web-${hashOf("a")}`)?.metadata?.annotations).toMatchObject({
      "deployment.kubernetes.io/desired-replicas": "8",
      "deployment.kubernetes.io/max-replicas": "10",
    });
  });
});

describe("paused", () => {
  it("makes no new ReplicaSet for a new template, but still scales, and says it is paused", async () => {
    const f = new Fixture();
    f.deployment({ replicas: 4, paused: true, template: template("b"), strategy: rolling(1, 1) });
    f.replicaSet({ image: "a", replicas: 3, revision: 1, sizedFor: { desired: 3, max: 4 } });
    await f.reconcile();
    expect(f.writes("create")).toEqual([]);
    expect(f.scalings()).toEqual([`web-${hashOf("a")}=4`]);
    expect(f.lastStatus()?.conditions).toContainEqual(
      expect.objectContaining({ type: "Progressing", status: "Unknown", reason: "DeploymentPaused" }),
    );
  });

  it("scales old ReplicaSets to 0 once the new one is saturated", async () => {
    const f = new Fixture();
    f.deployment({ replicas: 3, paused: true, template: template("b"), strategy: rolling(1, 1) });
    f.replicaSet({ image: "a", replicas: 1, revision: 1, age: 200 }); // e.g. just adopted
    f.replicaSet({ image: "b", replicas: 3, revision: 2, sizedFor: { desired: 3, max: 4 } });
    await f.reconcile();
    expect(f.scalings()).toEqual([`web-${hashOf("a")}=0`]);
  });
});

describe("revisionHistoryLimit cleanup", () => {
  it("deletes the oldest revisions beyond the limit once the rollout is complete", async () => {
    const f = new Fixture();
    const complete = { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 };
    f.deployment(
      { replicas: 2, revisionHistoryLimit: 2, template: template("e"), strategy: rolling(1, 0) },
      {},
      complete,
    );
    f.replicaSet({ image: "a", replicas: 0, revision: 1, age: 500 });
    f.replicaSet({ image: "b", replicas: 0, revision: 2, age: 400, current: 1 }); // a pod still going: kept
    f.replicaSet({ image: "c", replicas: 0, revision: 3, age: 300, generation: 2, observedGeneration: 1 }); // unobserved: kept
    f.replicaSet({ image: "d", replicas: 0, revision: 4, age: 200 });
    f.replicaSet({ image: "e", replicas: 2, revision: 5, age: 100, sizedFor: { desired: 2, max: 3 } });
    await f.reconcile();
    // 4 old, limit 2: revisions 1 and 2 are candidates; 2 still has a pod.
    expect(f.writes("delete").map((a) => a.name)).toEqual([`web-${hashOf("a")}`]);
  });

  it("keeps every old ReplicaSet while the rollout is under way", async () => {
    const f = new Fixture();
    f.deployment({ replicas: 2, revisionHistoryLimit: 0, template: template("b"), strategy: rolling(1, 0) });
    f.replicaSet({ image: "z", replicas: 0, revision: 1, age: 500 });
    f.replicaSet({ image: "a", replicas: 2, revision: 2, age: 200, sizedFor: { desired: 2, max: 3 } });
    f.replicaSet({ image: "b", replicas: 1, available: 0, revision: 3, sizedFor: { desired: 2, max: 3 } });
    await f.reconcile();
    expect(f.writes("delete")).toEqual([]);
  });
});

describe("the new ReplicaSet", () => {
  it("bumps collisionCount when its name is taken by another template, then uses another name", async () => {
    const f = new Fixture();
    f.deployment({ replicas: 2, template: template("b"), strategy: rolling(1, 0) });
    // A stranger squats on web-<hash of b> with another template.
    const squatter: ReplicaSet = {
      metadata: { name: `web-${hashOf("b")}`, namespace: "ns", uid: "squatter" },
      spec: { replicas: 0, template: template("zzz") },
    };
    f.client.seed(REPLICA_SETS, squatter);
    await expect(f.reconcile()).rejects.toSatisfy(isAlreadyExists);
    expect(f.lastStatus()?.collisionCount).toBe(1);

    f.settle();
    f.clearActions();
    await f.reconcile();
    const [create] = f.writes("create");
    expect(create?.name).toBe(`web-${computeHash(template("b"), 1)}`);
    expect(create?.name).not.toBe(`web-${hashOf("b")}`);
  });

  it("takes its own ReplicaSet that the cache has not seen yet instead of colliding", async () => {
    const f = new Fixture();
    f.deployment({ replicas: 2, template: template("b"), strategy: rolling(1, 0) });
    const labels = { app: "web", "pod-template-hash": hashOf("b") };
    const mine: ReplicaSet = {
      metadata: {
        name: `web-${hashOf("b")}`,
        namespace: "ns",
        uid: "mine",
        labels,
        ownerReferences: [
          { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: D_UID, controller: true },
        ],
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: { ...template("b"), metadata: { labels } },
      },
    };
    f.client.seed(REPLICA_SETS, mine);
    await f.reconcile();
    expect(f.lastStatus()?.collisionCount).toBeUndefined();
    expect(f.storedDeployment()?.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
  });

  it("is a no-op the second time: nothing changed, nothing written", async () => {
    const f = new Fixture();
    f.deployment({ replicas: 3, template: template("a"), strategy: rolling("25%", "25%") });
    for (let i = 0; i < 4; i++) {
      await f.reconcile();
      f.runReplicaSets();
    }
    expect(f.storedDeployment()?.status).toMatchObject({
      replicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
    });
    f.clearActions();
    await f.reconcile();
    expect(f.writes()).toEqual([]);
  });
});

describe("calculateStatus", () => {
  it("sums the ReplicaSets' statuses and sets Available by the minimum", () => {
    const d = {
      metadata: { generation: 4 },
      spec: { replicas: 5, strategy: rolling(2, 1) },
      status: { collisionCount: 2 },
    };
    const rs = (replicas: number, current: number, ready: number, available: number): ReplicaSet => ({
      spec: { replicas },
      status: { replicas: current, readyReplicas: ready, availableReplicas: available },
    });
    const newRS = rs(3, 3, 2, 1);
    const status = calculateStatus({ d, allRSs: [rs(3, 4, 4, 3), newRS], newRS, nowMs: NOW });
    expect(status).toMatchObject({
      observedGeneration: 4,
      replicas: 7,
      updatedReplicas: 3,
      readyReplicas: 6,
      availableReplicas: 4,
      unavailableReplicas: 2,
      collisionCount: 2,
    });
    expect(status.conditions).toEqual([
      {
        type: "Available",
        status: "True",
        reason: "MinimumReplicasAvailable",
        message: "Deployment has minimum availability.",
        lastUpdateTime: "2024-05-01T12:00:00Z",
        lastTransitionTime: "2024-05-01T12:00:00Z",
      },
    ]);
    const short = calculateStatus({ d, allRSs: [rs(5, 5, 3, 3)], newRS: undefined, nowMs: NOW });
    expect(short.conditions?.[0]).toMatchObject({ status: "False", reason: "MinimumReplicasUnavailable" });
    expect(short.updatedReplicas).toBe(0);
  });

  it("is written through the status subresource only", async () => {
    const f = new Fixture();
    f.deployment({ replicas: 1, template: template("a"), strategy: rolling(1, 0) });
    f.replicaSet({ image: "a", replicas: 1, revision: 1, sizedFor: { desired: 1, max: 2 } });
    await f.reconcile();
    const writes = f.writes(undefined, "deployments");
    // The revision annotation, the FoundNewReplicaSet condition, then the counts (as Kubernetes).
    expect(writes.map((a) => a.verb)).toEqual(["update", "updateStatus", "updateStatus"]);
    // The main-resource write carries the revision annotation, not a new status.
    const [update] = writes;
    expect(update && objectOf<{ status?: unknown }>(update)?.status).toEqual({});
  });
});
