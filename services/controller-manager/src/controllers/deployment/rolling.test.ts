import { describe, expect, it } from "vitest";
import type { Deployment, IntOrString, ReplicaSet } from "@ktl/api";
import { REPLICA_SETS } from "./control.js";
import { D_UID, Fixture, hashOf, objectOf, template } from "./fixture.js";

const rollingTo = (image: string, replicas: number, surge: IntOrString, unavailable: IntOrString) => ({
  replicas,
  template: template(image),
  strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } },
});

describe("rolling update steps", () => {
  it("creates the new ReplicaSet with as many replicas as maxSurge allows", async () => {
    const f = new Fixture();
    f.deployment(rollingTo("b", 5, "25%", "25%"), {
      annotations: { "kubernetes.io/change-cause": "set image b" },
    });
    f.replicaSet({ image: "a", replicas: 5, revision: 1, sizedFor: { desired: 5, max: 7 } });
    await f.reconcile();

    const [create] = f.writes("create");
    const created = create && objectOf<ReplicaSet>(create);
    const hash = hashOf("b");
    expect(created?.metadata).toMatchObject({
      name: `web-${hash}`,
      namespace: "ns",
      labels: { app: "web", "pod-template-hash": hash },
      ownerReferences: [
        { kind: "Deployment", name: "web", uid: D_UID, controller: true, blockOwnerDeletion: true },
      ],
      annotations: {
        "deployment.kubernetes.io/revision": "2",
        "deployment.kubernetes.io/desired-replicas": "5",
        "deployment.kubernetes.io/max-replicas": "7",
        "kubernetes.io/change-cause": "set image b",
      },
    });
    expect(created?.spec).toMatchObject({
      replicas: 2, // 25% of 5, rounded up
      selector: { matchLabels: { app: "web", "pod-template-hash": hash } },
      template: { metadata: { labels: { app: "web", "pod-template-hash": hash } } },
    });
    // Creating is not scaling up (as in Kubernetes): the same pass lowers the old one by maxUnavailable.
    expect(f.scalings()).toEqual([`web-${hashOf("a")}=4`]);
    expect(f.storedDeployment()?.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
    const [first] = f.writes("updateStatus");
    expect(first && objectOf<Deployment>(first)?.status?.conditions).toContainEqual(
      expect.objectContaining({ type: "Progressing", status: "True", reason: "NewReplicaSetCreated" }),
    );
  });

  it("scales old ReplicaSets down only as far as the available pods allow", async () => {
    const f = new Fixture();
    f.deployment(rollingTo("b", 5, 2, 1));
    f.replicaSet({ image: "a", replicas: 5, revision: 1, age: 200, sizedFor: { desired: 5, max: 7 } });
    f.replicaSet({ image: "b", replicas: 2, available: 1, revision: 2, sizedFor: { desired: 5, max: 7 } });
    await f.reconcile();
    // 6 available, 4 must stay: 2 old pods may go, leaving 3 + 1 available.
    expect(f.scalings()).toEqual([`web-${hashOf("a")}=3`]);
  });

  it("removes unhealthy old pods first: it costs no availability", async () => {
    const f = new Fixture();
    f.deployment(rollingTo("b", 5, 2, 1));
    f.replicaSet({
      image: "a",
      replicas: 5,
      available: 3,
      revision: 1,
      age: 200,
      sizedFor: { desired: 5, max: 7 },
    });
    f.replicaSet({ image: "b", replicas: 2, available: 0, revision: 2, sizedFor: { desired: 5, max: 7 } });
    await f.reconcile();
    // 7 pods, 4 must stay available, 2 new ones are not: 1 may go — an unhealthy one.
    expect(f.scalings()).toEqual([`web-${hashOf("a")}=4`]);
  });

  it("does not trust an old ReplicaSet's stale status: pods it is deleting are neither available nor gone", async () => {
    const f = new Fixture();
    f.deployment(rollingTo("b", 5, 2, 1));
    // Just lowered from 5 to 4; its controller has not deleted the pod yet (status says 5 available).
    f.replicaSet({
      image: "a",
      replicas: 4,
      current: 5,
      available: 5,
      revision: 1,
      age: 200,
      sizedFor: { desired: 5, max: 7 },
    });
    f.replicaSet({ image: "b", replicas: 2, available: 2, revision: 2, sizedFor: { desired: 5, max: 7 } });
    await f.reconcile();
    // Kubernetes would raise the new one to 3 (8 pods for a moment) or, scaling down, count
    // 7 available and lower the old one to 1 (3 available). Here: 5 pods exist, so no surge;
    // at least min(4, 5) + 2 = 6 will be available, so the old one may go to 2.
    expect(f.scalings()).toEqual([`web-${hashOf("a")}=2`]);
  });

  it("lowers a new ReplicaSet that has more than the replicas", async () => {
    const f = new Fixture();
    f.deployment(rollingTo("b", 5, 2, 1));
    f.replicaSet({ image: "b", replicas: 7, revision: 2, sizedFor: { desired: 5, max: 7 } });
    await f.reconcile();
    expect(f.scalings()).toEqual([`web-${hashOf("b")}=5`]);
  });

  // [replicas, maxSurge, maxUnavailable]
  const strategies: [number, IntOrString, IntOrString][] = [
    [5, "25%", "25%"],
    [10, 3, 2],
    [10, 0, 1],
    [10, 1, 0],
    [3, "25%", "25%"],
    [1, 0, 1],
    [4, "100%", "100%"],
  ];
  it.each(strategies)(
    "rolls %i replicas (maxSurge %s, maxUnavailable %s) to the end within the bounds at every step",
    async (replicas, surge, unavailable) => {
      const f = new Fixture();
      f.deployment(rollingTo("b", replicas, surge, unavailable));
      f.replicaSet({
        image: "a",
        replicas,
        revision: 1,
        age: 200,
        sizedFor: { desired: replicas, max: replicas },
      });
      const maxPods = replicas + resolve(surge, replicas, true);
      const minAvailable =
        replicas -
        Math.max(resolve(unavailable, replicas, false), resolve(surge, replicas, true) === 0 ? 1 : 0);

      for (let step = 0; step < 60; step++) {
        await f.reconcile();
        // The ReplicaSet controller: pods follow replicas; pods that were already there are available now.
        for (const rs of f.client.all<ReplicaSet>(REPLICA_SETS)) {
          const want = rs.spec?.replicas ?? 0;
          const had = rs.status?.replicas ?? 0;
          const available = Math.min(want, had);
          rs.status = {
            ...rs.status,
            replicas: want,
            readyReplicas: available,
            availableReplicas: available,
          };
          f.client.seed(REPLICA_SETS, rs);
        }
        f.settle();
        const all = f.client.all<ReplicaSet>(REPLICA_SETS);
        const pods = all.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
        const available = all.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
        expect(pods).toBeLessThanOrEqual(maxPods);
        expect(available).toBeGreaterThanOrEqual(Math.min(minAvailable, replicas));
        const status = f.storedDeployment()?.status;
        if (
          status?.updatedReplicas === replicas &&
          status.availableReplicas === replicas &&
          status.replicas === replicas
        ) {
          expect(f.stored(`web-${hashOf("a")}`)?.spec?.replicas).toBe(0);
          return;
        }
      }
      throw new Error("the rollout did not finish in 60 steps");
    },
  );
});

function resolve(value: IntOrString, total: number, roundUp: boolean): number {
  if (typeof value === "number") return value;
  const scaled = (Number(value.slice(0, -1)) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}
