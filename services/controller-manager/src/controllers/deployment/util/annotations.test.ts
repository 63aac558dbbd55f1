import { describe, expect, it } from "vitest";
import type { Deployment, ReplicaSet } from "@ktl/api";
import {
  appendHistory,
  copyDeploymentAnnotationsToReplicaSet,
  lastRevision,
  maxRevision,
  revisionOf,
  setDeploymentAnnotationsTo,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
} from "./annotations.js";

const REVISION = "deployment.kubernetes.io/revision";
const HISTORY = "deployment.kubernetes.io/revision-history";

const rs = (annotations?: Record<string, string>): ReplicaSet => ({ metadata: { name: "x", annotations } });
const withRevision = (revision: string): ReplicaSet => rs({ [REVISION]: revision });

const deployment: Deployment = {
  metadata: {
    name: "web",
    annotations: {
      "kubernetes.io/change-cause": "kubectl set image deployment/web c=nginx:1.26",
      "team.example.com/owner": "web",
      [REVISION]: "7",
      "kubectl.kubernetes.io/last-applied-configuration": "{}",
    },
  },
  spec: {
    replicas: 5,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } },
  },
};

describe("revisions", () => {
  it("read 0 when absent, skip what is not a number", () => {
    expect(revisionOf(rs())).toBe(0);
    expect(revisionOf(withRevision("12"))).toBe(12);
    expect(revisionOf(withRevision("twelve"))).toBeUndefined();
    const list = [withRevision("3"), withRevision("x"), withRevision("9"), rs(), withRevision("5")];
    expect(maxRevision(list)).toBe(9);
    expect(lastRevision(list)).toBe(5);
    expect(maxRevision([])).toBe(0);
    expect(lastRevision([withRevision("4")])).toBe(0);
    expect(lastRevision([withRevision("4"), withRevision("4")])).toBe(4);
  });
});

describe("setNewReplicaSetAnnotations", () => {
  it("gives a ReplicaSet about to be created the revision, the replicas it is sized for, and the change-cause", () => {
    const next = rs();
    expect(setNewReplicaSetAnnotations({ d: deployment, rs: next, newRevision: 3, exists: false })).toBe(
      true,
    );
    expect(next.metadata?.annotations).toEqual({
      "kubernetes.io/change-cause": "kubectl set image deployment/web c=nginx:1.26",
      "team.example.com/owner": "web",
      [REVISION]: "3",
      "deployment.kubernetes.io/desired-replicas": "5",
      "deployment.kubernetes.io/max-replicas": "7",
    });
  });

  it("raises the revision of an existing ReplicaSet and is idempotent", () => {
    const next = withRevision("2");
    expect(setNewReplicaSetAnnotations({ d: deployment, rs: next, newRevision: 2, exists: true })).toBe(true);
    expect(next.metadata?.annotations?.[REVISION]).toBe("2"); // only the copied annotations changed
    expect(setNewReplicaSetAnnotations({ d: deployment, rs: next, newRevision: 2, exists: true })).toBe(
      false,
    );
    expect(next.metadata?.annotations?.[HISTORY]).toBeUndefined();
  });

  it("never lowers a revision (old ReplicaSets may have been deleted since)", () => {
    const next = withRevision("8");
    setNewReplicaSetAnnotations({ d: deployment, rs: next, newRevision: 3, exists: true });
    expect(next.metadata?.annotations?.[REVISION]).toBe("8");
  });

  it("keeps the old revisions of a ReplicaSet rolled back to in the revision history", () => {
    const next = withRevision("1");
    setNewReplicaSetAnnotations({ d: deployment, rs: next, newRevision: 3, exists: true });
    expect(next.metadata?.annotations).toMatchObject({ [REVISION]: "3", [HISTORY]: "1" });
    setNewReplicaSetAnnotations({ d: deployment, rs: next, newRevision: 5, exists: true });
    expect(next.metadata?.annotations).toMatchObject({ [REVISION]: "5", [HISTORY]: "1,3" });
  });

  it("cuts the revision history from its oldest end at the length limit", () => {
    expect(appendHistory("1,2,3", "4", 100)).toBe("1,2,3,4");
    expect(appendHistory("10,11,12", "13", 8)).toBe("11,12,13"); // exactly 8 characters
    expect(appendHistory("10,11,12", "13", 7)).toBe("12,13");
    expect(appendHistory("", "4", 8)).toBe("4");
    expect(appendHistory("1", "123456789", 5)).toBe("1"); // the new entry alone is too long
  });

  it("leaves a ReplicaSet with an unparseable revision alone", () => {
    const next = withRevision("garbage");
    expect(setNewReplicaSetAnnotations({ d: deployment, rs: next, newRevision: 3, exists: true })).toBe(
      false,
    );
    expect(next.metadata?.annotations?.[REVISION]).toBe("garbage");
  });
});

describe("copying annotations between a Deployment and its ReplicaSets", () => {
  it("copies all but the Deployment's own, without removing any", () => {
    const next = rs({ "kubernetes.io/change-cause": "old", extra: "kept" });
    expect(copyDeploymentAnnotationsToReplicaSet(deployment, next)).toBe(true);
    expect(next.metadata?.annotations).toEqual({
      "kubernetes.io/change-cause": "kubectl set image deployment/web c=nginx:1.26",
      "team.example.com/owner": "web",
      extra: "kept",
    });
    expect(copyDeploymentAnnotationsToReplicaSet(deployment, next)).toBe(false);
  });

  it("sets the Deployment's revision", () => {
    const d = structuredClone(deployment);
    expect(setDeploymentRevision(d, "7")).toBe(false);
    expect(setDeploymentRevision(d, "8")).toBe(true);
    expect(d.metadata?.annotations?.[REVISION]).toBe("8");
  });

  it("takes the annotations of the ReplicaSet rolled back to, keeping its own", () => {
    const d = structuredClone(deployment);
    setDeploymentAnnotationsTo(
      d,
      rs({ "kubernetes.io/change-cause": "create", [REVISION]: "1", [HISTORY]: "0" }),
    );
    expect(d.metadata?.annotations).toEqual({
      "kubernetes.io/change-cause": "create",
      [REVISION]: "7",
      "kubectl.kubernetes.io/last-applied-configuration": "{}",
    });
  });
});
