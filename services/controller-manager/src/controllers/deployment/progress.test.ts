import { describe, expect, it } from "vitest";
import type { Deployment, DeploymentCondition, ReplicaSet } from "@ktl/api";
import { Fixture, NOW, ago, hashOf, template } from "./fixture.js";
import {
  REQUEUE_MARGIN_MS,
  replicaFailures,
  requeueStuckDeploymentMs,
  updateProgressing,
} from "./progress.js";

const at = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
const progressing = (f: Fixture): DeploymentCondition | undefined =>
  f.storedDeployment()?.status?.conditions?.find((c) => c.type === "Progressing");
const strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };

describe("the Progressing condition over a rollout, with an injected clock", () => {
  it("goes created → progressing → timed out when pods stop becoming available", async () => {
    const f = new Fixture();
    // Revision 1 completed long ago; the template has just changed.
    const done = {
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      unavailableReplicas: 0,
      conditions: [
        {
          type: "Progressing",
          status: "True",
          reason: "NewReplicaSetAvailable",
          lastUpdateTime: ago(900),
          lastTransitionTime: ago(1000),
        },
      ],
    };
    f.deployment(
      { replicas: 2, template: template("b"), strategy, progressDeadlineSeconds: 30 },
      { generation: 2 },
      done,
    );
    f.replicaSet({ image: "a", replicas: 2, revision: 1, age: 1000, sizedFor: { desired: 2, max: 3 } });

    await f.reconcile();
    expect(progressing(f)).toMatchObject({
      status: "True",
      reason: "NewReplicaSetCreated",
      lastUpdateTime: at(NOW),
      lastTransitionTime: ago(1000), // still True: no transition
    });

    // 10 s later the new pod exists (not ready): progress, and the deadline counts from now.
    f.nowMs = NOW + 10_000;
    f.runReplicaSets((rs) => !rs.metadata?.name?.endsWith(hashOf("b")));
    const result = await f.reconcile();
    expect(progressing(f)).toMatchObject({
      status: "True",
      reason: "ReplicaSetUpdated",
      lastUpdateTime: at(NOW + 10_000),
      lastTransitionTime: ago(1000),
    });
    // Looks again once the deadline has strictly passed (the second the time was cut to, plus 30 s).
    expect(result).toEqual({ requeueAfterMs: 31_000 + REQUEUE_MARGIN_MS });

    // Nothing moves. Not yet past the deadline: nothing changes.
    f.settle();
    f.nowMs = NOW + 40_000;
    f.clearActions();
    await f.reconcile();
    expect(f.writes("updateStatus")).toEqual([]);

    f.nowMs = NOW + 41_001;
    const after = await f.reconcile();
    expect(progressing(f)).toMatchObject({
      status: "False",
      reason: "ProgressDeadlineExceeded",
      message: `ReplicaSet "web-${hashOf("b")}" has timed out progressing.`,
    });
    expect(after).toBeUndefined(); // nothing left to wait for
    // Availability is kept: maxUnavailable 0.
    expect(f.storedDeployment()?.status?.conditions).toContainEqual(
      expect.objectContaining({ type: "Available", status: "True" }),
    );
  });

  it("ends with NewReplicaSetAvailable, after which resyncs estimate nothing", async () => {
    const f = new Fixture();
    f.deployment({ replicas: 2, template: template("b"), strategy, progressDeadlineSeconds: 30 });
    f.replicaSet({ image: "a", replicas: 2, revision: 1, age: 1000, sizedFor: { desired: 2, max: 3 } });
    for (let step = 0; step < 10; step++) {
      f.nowMs = NOW + step * 1000;
      await f.reconcile();
      f.runReplicaSets();
    }
    expect(progressing(f)).toMatchObject({ status: "True", reason: "NewReplicaSetAvailable" });
    f.nowMs = NOW + 3_600_000;
    f.clearActions();
    expect(await f.reconcile()).toBeUndefined();
    expect(f.writes()).toEqual([]);
  });

  it("says Unknown while paused and on resume, so paused time never counts", async () => {
    const f = new Fixture();
    const stuck = {
      conditions: [
        {
          type: "Progressing",
          status: "True",
          reason: "ReplicaSetUpdated",
          lastUpdateTime: ago(3600),
          lastTransitionTime: ago(3600),
        },
      ],
    };
    f.deployment(
      { replicas: 2, paused: true, template: template("a"), strategy, progressDeadlineSeconds: 30 },
      {},
      stuck,
    );
    f.replicaSet({ image: "a", replicas: 2, revision: 1, sizedFor: { desired: 2, max: 3 } });
    await f.reconcile();
    expect(progressing(f)).toMatchObject({ status: "Unknown", reason: "DeploymentPaused" });

    f.settle();
    const paused = f.storedDeployment() as Deployment;
    f.deployment({ ...paused.spec, paused: false }, paused.metadata, paused.status);
    f.nowMs = NOW + 5000;
    const result = await f.reconcile();
    expect(f.storedDeployment()?.status?.conditions).toContainEqual(
      expect.objectContaining({ type: "Progressing", status: "True" }),
    );
    expect(progressing(f)?.reason).not.toBe("ProgressDeadlineExceeded");
    expect(result).toBeUndefined(); // complete: one ReplicaSet with every replica
  });
});

describe("progress helpers", () => {
  const d = (status: Deployment["status"], deadline = 60): Deployment => ({
    metadata: { name: "web", generation: 1 },
    spec: { replicas: 3, progressDeadlineSeconds: deadline },
    status,
  });
  const condition = (reason: string, secondsAgo: number, status = "True"): DeploymentCondition => ({
    type: "Progressing",
    status,
    reason,
    lastUpdateTime: ago(secondsAgo),
    lastTransitionTime: ago(secondsAgo),
  });

  it("requeues for the deadline only while a rollout may still time out", () => {
    const running = { replicas: 3, updatedReplicas: 1 };
    expect(
      requeueStuckDeploymentMs(d({ ...running, conditions: [condition("ReplicaSetUpdated", 20)] }), NOW),
    ).toBe(41_000 + REQUEUE_MARGIN_MS);
    expect(
      requeueStuckDeploymentMs(d({ ...running, conditions: [condition("ReplicaSetUpdated", 90)] }), NOW),
    ).toBe(REQUEUE_MARGIN_MS);
    expect(
      requeueStuckDeploymentMs(
        d({ ...running, conditions: [condition("ProgressDeadlineExceeded", 5, "False")] }),
        NOW,
      ),
    ).toBeUndefined();
    expect(requeueStuckDeploymentMs(d(running), NOW)).toBeUndefined();
    const complete = { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 };
    expect(
      requeueStuckDeploymentMs(d({ ...complete, conditions: [condition("ReplicaSetUpdated", 20)] }), NOW),
    ).toBeUndefined();
    const noDeadline = { ...d({ ...running, conditions: [condition("ReplicaSetUpdated", 20)] }) };
    noDeadline.spec = { ...noDeadline.spec, progressDeadlineSeconds: 2147483647 };
    expect(requeueStuckDeploymentMs(noDeadline, NOW)).toBeUndefined();
  });

  it("removes Progressing without a deadline and never times out a completed rollout", () => {
    const status = {
      replicas: 3,
      updatedReplicas: 3,
      conditions: [condition("NewReplicaSetAvailable", 9999)],
    };
    const noDeadline: Deployment = {
      ...d(status),
      spec: { replicas: 3, progressDeadlineSeconds: undefined },
    };
    const next = structuredClone(status);
    updateProgressing({ d: noDeadline, status: next, newRS: undefined, nowMs: NOW });
    expect(next.conditions).toBeUndefined();

    const done = structuredClone(status);
    updateProgressing({ d: d(status), status: done, newRS: undefined, nowMs: NOW });
    expect(done.conditions).toEqual(status.conditions);
  });

  it("carries a ReplicaSet's ReplicaFailure, the new one's first", () => {
    const failure = (message: string): ReplicaSet => ({
      status: { conditions: [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message }] },
    });
    expect(replicaFailures([failure("old")], failure("new")).map((c) => c.message)).toEqual(["new"]);
    expect(replicaFailures([failure("old")], {}).map((c) => c.message)).toEqual(["old"]);
    expect(replicaFailures([{}], undefined)).toEqual([]);
  });
});
