import { describe, expect, it } from "vitest";
import type { Pod, ReplicaSet } from "@ktl/api";
import { calculateStatus, nextAvailableInMs, statusEqual } from "./status.js";

const NOW = Date.parse("2024-05-01T12:00:00Z");
const at = (secondsAgo: number): string =>
  new Date(NOW - secondsAgo * 1000).toISOString().replace(/\.\d+Z$/, "Z");

const rs = (minReadySeconds = 0, status: ReplicaSet["status"] = {}): ReplicaSet => ({
  metadata: { name: "web", generation: 7 },
  spec: { replicas: 3, minReadySeconds, template: { metadata: { labels: { app: "web", v: "1" } } } },
  status,
});

const pod = (labels: Record<string, string>, readyAgo?: number): Pod => ({
  metadata: { labels },
  status: {
    conditions:
      readyAgo === undefined ? [] : [{ type: "Ready", status: "True", lastTransitionTime: at(readyAgo) }],
  },
});

describe("ReplicaSet status", () => {
  it("counts replicas, fully labelled, ready and available pods", () => {
    const pods = [
      pod({ app: "web", v: "1" }, 100),
      pod({ app: "web", v: "1", extra: "x" }, 5),
      pod({ app: "web" }),
    ];
    expect(calculateStatus({ rs: rs(10), pods, nowMs: NOW })).toEqual({
      replicas: 3,
      fullyLabeledReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 1,
      observedGeneration: 7,
    });
    expect(calculateStatus({ rs: rs(0), pods, nowMs: NOW }).availableReplicas).toBe(2);
  });

  it("sets ReplicaFailure on a failed create, keeps it while failing, removes it after", () => {
    const failed = calculateStatus({ rs: rs(), pods: [], manageError: new Error("quota"), nowMs: NOW });
    expect(failed.conditions).toEqual([
      {
        type: "ReplicaFailure",
        status: "True",
        reason: "FailedCreate",
        message: "quota",
        lastTransitionTime: at(0),
      },
    ]);
    const still = calculateStatus({
      rs: rs(0, failed),
      pods: [],
      manageError: new Error("other"),
      nowMs: NOW + 60_000,
    });
    expect(still.conditions).toEqual(failed.conditions);
    expect(calculateStatus({ rs: rs(0, failed), pods: [], nowMs: NOW }).conditions).toBeUndefined();
  });

  it("treats absent and zero as the same when comparing", () => {
    expect(statusEqual({ replicas: 0 }, { replicas: 0, readyReplicas: 0, conditions: [] })).toBe(true);
    expect(statusEqual({ replicas: 1 }, { replicas: 1, observedGeneration: 2 })).toBe(false);
    expect(
      statusEqual(
        { conditions: [{ type: "ReplicaFailure", message: "a" }] },
        { conditions: [{ type: "ReplicaFailure", message: "b" }] },
      ),
    ).toBe(false);
  });

  it("tells when the next ready pod becomes available", () => {
    const pods = [pod({}, 100), pod({}, 25), pod({}, 28), pod({})];
    expect(nextAvailableInMs(rs(30), pods, NOW)).toBe(2_000);
    expect(nextAvailableInMs(rs(0), pods, NOW)).toBeUndefined();
    expect(nextAvailableInMs(rs(30), [pod({}, 100)], NOW)).toBeUndefined();
  });
});
