import { describe, expect, it } from "vitest";
import type { Pod } from "@ktl/api";
import {
  POD_DELETION_COST,
  compareForDeletion,
  deletionCost,
  podsToDelete,
  rankByColocation,
} from "./ordering.js";

const NOW = Date.parse("2024-05-01T12:00:00Z");
const at = (secondsAgo: number): string =>
  new Date(NOW - secondsAgo * 1000).toISOString().replace(/\.\d+Z$/, "Z");

function pod(
  name: string,
  o: {
    node?: string;
    phase?: string;
    readyAgo?: number;
    restarts?: number;
    age?: number;
    cost?: string;
  } = {},
): Pod {
  return {
    metadata: {
      name,
      uid: name,
      creationTimestamp: o.age === undefined ? undefined : at(o.age),
      annotations: o.cost === undefined ? undefined : { [POD_DELETION_COST]: o.cost },
    },
    spec: { nodeName: o.node },
    status: {
      phase: o.phase ?? "Running",
      conditions:
        o.readyAgo === undefined
          ? []
          : [{ type: "Ready", status: "True", lastTransitionTime: at(o.readyAgo) }],
      containerStatuses: [{ name: "c", restartCount: o.restarts ?? 0 }],
    },
  };
}

const order = (pods: Pod[]): string[] =>
  rankByColocation(pods, [])
    .sort(compareForDeletion)
    .map((r) => r.pod.metadata?.name ?? "");

describe("deletion order", () => {
  it("ranks unscheduled, Pending, Unknown, not ready, short-ready, restarting, newer first", () => {
    const pods = [
      pod("old-ready", { node: "n", readyAgo: 900, age: 1000 }),
      pod("running-not-ready", { node: "n", age: 10 }),
      pod("unknown", { node: "n", phase: "Unknown" }),
      pod("pending", { node: "n", phase: "Pending" }),
      pod("unscheduled", { phase: "Pending" }),
      pod("young-ready", { node: "n", readyAgo: 5, age: 1000 }),
      pod("restarting", { node: "n", readyAgo: 900, age: 1000, restarts: 3 }),
      pod("newer-ready", { node: "n", readyAgo: 900, age: 950 }),
    ];
    expect(order(pods)).toEqual([
      "unscheduled",
      "pending",
      "unknown",
      "running-not-ready",
      "young-ready",
      "restarting",
      "newer-ready",
      "old-ready",
    ]);
  });

  it("puts pods without a creation time before newer ones, and newer before older", () => {
    expect(
      order([
        pod("old", { node: "n", age: 100 }),
        pod("none", { node: "n" }),
        pod("new", { node: "n", age: 1 }),
      ]),
    ).toEqual(["none", "new", "old"]);
  });

  it("honours the pod-deletion-cost annotation after readiness", () => {
    const pods = [
      pod("dear", { node: "n", readyAgo: 10, cost: "100" }),
      pod("cheap", { node: "n", readyAgo: 900, cost: "-5" }),
      pod("malformed", { node: "n", readyAgo: 900, age: 1, cost: "lots" }),
      pod("not-ready-dear", { node: "n", cost: "1000" }),
    ];
    expect(order(pods)).toEqual(["not-ready-dear", "cheap", "malformed", "dear"]);
    expect(deletionCost(pod("x", { cost: "99999999999" }))).toBe(0);
  });

  it("prefers pods doubled up on a node with related pods", () => {
    const mine = [pod("alone", { node: "a", age: 1 }), pod("crowded", { node: "b", age: 100 })];
    const related = [...mine, pod("sibling-1", { node: "b" }), pod("sibling-2", { node: "b" })];
    const ranked = rankByColocation(mine, related);
    expect(ranked.map((r) => r.rank)).toEqual([1, 3]);
    expect(podsToDelete({ pods: mine, related, count: 1 }).map((p) => p.metadata?.name)).toEqual(["crowded"]);
  });

  it("returns every pod when all must go", () => {
    const pods = [pod("a"), pod("b")];
    expect(podsToDelete({ pods, related: [], count: 5 })).toHaveLength(2);
  });
});
