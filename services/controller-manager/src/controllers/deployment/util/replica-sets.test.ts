import { describe, expect, it } from "vitest";
import type { Deployment, IntOrString, ReplicaSet } from "@ktl/api";
import {
  availableLowerBound,
  equalIgnoreHash,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  getProportion,
  isSaturated,
  newRSNewReplicas,
  podCountUpperBound,
} from "./replica-sets.js";

const template = (image: string, hash?: string) => ({
  metadata: { labels: { app: "web", ...(hash ? { "pod-template-hash": hash } : {}) } },
  spec: { containers: [{ name: "c", image }] },
});

function rs(
  name: string,
  options: {
    replicas: number;
    image?: string;
    current?: number;
    available?: number;
    created?: string;
    maxReplicas?: number;
    desired?: number;
  },
): ReplicaSet {
  const annotations: Record<string, string> = {};
  if (options.maxReplicas !== undefined)
    annotations["deployment.kubernetes.io/max-replicas"] = `${options.maxReplicas}`;
  if (options.desired !== undefined)
    annotations["deployment.kubernetes.io/desired-replicas"] = `${options.desired}`;
  return {
    metadata: {
      name,
      uid: name,
      annotations,
      creationTimestamp: options.created ?? "2024-05-01T10:00:00Z",
    },
    spec: { replicas: options.replicas, template: template(options.image ?? name, `h-${name}`) },
    status: {
      replicas: options.current ?? options.replicas,
      availableReplicas: options.available ?? options.current ?? options.replicas,
    },
  };
}

const deployment = (
  replicas: number,
  surge: IntOrString = "25%",
  unavailable: IntOrString = "25%",
): Deployment => ({
  spec: {
    replicas,
    template: template("new"),
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } },
  },
});

describe("new and old ReplicaSets", () => {
  it("compare templates without the pod-template-hash label", () => {
    expect(equalIgnoreHash(template("a", "x"), template("a"))).toBe(true);
    expect(equalIgnoreHash(template("a", "x"), template("b", "x"))).toBe(false);
    // Unset and empty are the same, as in Kubernetes' semantic equality.
    const withEmpty = { ...template("a"), spec: { ...template("a").spec, volumes: [] } };
    expect(equalIgnoreHash(withEmpty, template("a", "y"))).toBe(true);
  });

  it("find the new ReplicaSet by template, the oldest when several match", () => {
    const d = deployment(3);
    const old = rs("old", { replicas: 3 });
    const twin1 = rs("twin1", { replicas: 0, image: "new", created: "2024-05-01T11:00:00Z" });
    const twin2 = rs("twin2", { replicas: 0, image: "new", created: "2024-05-01T10:30:00Z" });
    expect(findNewReplicaSet(d, [old, twin1, twin2])?.metadata?.name).toBe("twin2");
    expect(findOldReplicaSets(d, [old, twin1, twin2]).map((r) => r.metadata?.name)).toEqual(["old", "twin1"]);
    expect(findNewReplicaSet(d, [old])).toBeUndefined();
  });

  it("find the only active ReplicaSet, or the newest when none is active", () => {
    const a = rs("a", { replicas: 0, created: "2024-05-01T10:00:00Z" });
    const b = rs("b", { replicas: 0, created: "2024-05-01T11:00:00Z" });
    const c = rs("c", { replicas: 2 });
    expect(findActiveOrLatest(undefined, [a, b])?.metadata?.name).toBe("b");
    expect(findActiveOrLatest(c, [a, b])?.metadata?.name).toBe("c");
    expect(findActiveOrLatest(a, [b])?.metadata?.name).toBe("a");
    expect(findActiveOrLatest(c, [rs("d", { replicas: 1 })])).toBeUndefined();
    expect(findActiveOrLatest(undefined, [])).toBeUndefined();
  });

  it("call the new ReplicaSet saturated when it has, was sized for, and runs every replica", () => {
    const d = deployment(3);
    expect(isSaturated(d, rs("n", { replicas: 3, desired: 3 }))).toBe(true);
    expect(isSaturated(d, rs("n", { replicas: 3, desired: 2 }))).toBe(false);
    expect(isSaturated(d, rs("n", { replicas: 3, desired: 3, available: 2 }))).toBe(false);
    expect(isSaturated(d, undefined)).toBe(false);
  });
});

describe("bounds on pods and availability", () => {
  it("count pods not yet gone, and only available pods that will stay", () => {
    // The old ReplicaSet was just lowered to 3; its status still counts 5 pods, all available.
    const old = rs("old", { replicas: 3, current: 5, available: 5 });
    const fresh = rs("new", { replicas: 2, current: 1, available: 0 });
    expect(podCountUpperBound([old, fresh])).toBe(7);
    expect(availableLowerBound([old, fresh])).toBe(3);
  });
});

describe("newRSNewReplicas", () => {
  it("raises the new ReplicaSet as far as maxSurge allows, never past the replicas", () => {
    const d = deployment(10, 3, 2);
    const fresh = rs("new", { replicas: 0 });
    expect(newRSNewReplicas(d, [rs("old", { replicas: 10 }), fresh], fresh)).toBe(3);
    const half = rs("new", { replicas: 5 });
    expect(newRSNewReplicas(d, [rs("old", { replicas: 6 }), half], half)).toBe(7);
    expect(newRSNewReplicas(d, [rs("old", { replicas: 1 }), half], half)).toBe(10);
    expect(newRSNewReplicas(d, [rs("old", { replicas: 8 }), half], half)).toBe(5); // at the limit
  });

  it("counts pods an old ReplicaSet still has after being lowered", () => {
    const d = deployment(10, 3, 2);
    const fresh = rs("new", { replicas: 3 });
    const lowered = rs("old", { replicas: 8, current: 10 });
    // Kubernetes would add 2 (8 + 3 < 13); two of the old pods are still there.
    expect(newRSNewReplicas(d, [lowered, fresh], fresh)).toBe(3);
  });

  it("gives everything at once with Recreate", () => {
    const d: Deployment = { spec: { replicas: 4, strategy: { type: "Recreate" } } };
    const fresh = rs("new", { replicas: 0 });
    expect(newRSNewReplicas(d, [rs("old", { replicas: 4 }), fresh], fresh)).toBe(4);
  });
});

describe("getProportion", () => {
  it("shares a scale-up by each ReplicaSet's share of the size it was sized for", () => {
    // 10 replicas + 3 surge were 13; now 20 + 5 = 25.
    const d = deployment(20, 5, 2);
    const old = rs("old", { replicas: 8, maxReplicas: 13 });
    const fresh = rs("new", { replicas: 5, maxReplicas: 13 });
    // 8 × 25/13 = 15.38 → 15 (+7); 5 × 25/13 = 9.6 → 10 (+5); 12 to hand out in all.
    expect(getProportion({ rs: old, d, toAdd: 12, added: 0 })).toBe(7);
    expect(getProportion({ rs: fresh, d, toAdd: 12, added: 7 })).toBe(5);
    // Never more than is left to hand out.
    expect(getProportion({ rs: fresh, d, toAdd: 12, added: 10 })).toBe(2);
  });

  it("shares a scale-down the same way, and takes everything when scaling to 0", () => {
    const d = deployment(5, 1, 1);
    const old = rs("old", { replicas: 8, maxReplicas: 13 });
    // 8 × 6/13 = 3.69 → 4 (−4)
    expect(getProportion({ rs: old, d, toAdd: -7, added: 0 })).toBe(-4);
    expect(getProportion({ rs: old, d: deployment(0), toAdd: -13, added: 0 })).toBe(-8);
  });

  it("falls back to the Deployment's size without the annotation, and gives nothing to empty ReplicaSets", () => {
    const d = { ...deployment(20, 5, 2), status: { replicas: 13 } };
    expect(getProportion({ rs: rs("old", { replicas: 8 }), d, toAdd: 12, added: 0 })).toBe(7);
    expect(getProportion({ rs: rs("empty", { replicas: 0 }), d, toAdd: 12, added: 0 })).toBe(0);
  });
});
