import { describe, it, expect } from "vitest";
import { fieldErrorMessage } from "@ktl/apimachinery";
import type { ReplicaSet, ReplicaSetSpec } from "../gen/types.js";
import { applyDefaults } from "../defaults/index.js";
import { validateCreate, validateUpdate } from "./index.js";

function replicaSet(spec: Partial<ReplicaSetSpec> = {}): ReplicaSet {
  const rs: ReplicaSet = {
    metadata: { name: "web-abc", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image: "nginx" }] },
      },
      ...spec,
    },
  };
  applyDefaults("ReplicaSet", rs);
  return rs;
}

const messages = (rs: unknown): string[] => validateCreate("ReplicaSet", rs).map(fieldErrorMessage);

describe("ReplicaSet", () => {
  it("accepts a defaulted replica set", () => {
    expect(messages(replicaSet())).toEqual([]);
  });

  it("requires non-negative replicas and minReadySeconds", () => {
    expect(messages(replicaSet({ replicas: -2, minReadySeconds: -1 }))).toEqual([
      "spec.replicas: Invalid value: -2: must be greater than or equal to 0",
      "spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
    ]);
  });

  it("requires the selector to match the template labels", () => {
    expect(messages(replicaSet({ selector: { matchLabels: { app: "db" } } }))).toEqual([
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ]);
  });

  it("checks template labels and forbids activeDeadlineSeconds", () => {
    const rs = replicaSet();
    if (rs.spec?.template?.spec) rs.spec.template.spec.activeDeadlineSeconds = 30;
    expect(messages(rs)).toEqual([
      "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported",
    ]);
    const labels = replicaSet({
      template: {
        metadata: { labels: { app: "web", "x y": "z" } },
        spec: { containers: [{ name: "a", image: "b" }] },
      },
    });
    expect(messages(labels)[0]).toMatch(
      /^spec\.template\.labels: Invalid value: "x y": name part must consist of/,
    );
  });

  it("forbids changing the selector on update", () => {
    const old = replicaSet();
    expect(validateUpdate("ReplicaSet", replicaSet({ replicas: 3 }), old)).toEqual([]);
    const moved = replicaSet({ selector: { matchExpressions: [{ key: "app", operator: "Exists" }] } });
    expect(validateUpdate("ReplicaSet", moved, old).map(fieldErrorMessage)).toEqual([
      'spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"Exists"}]}: field is immutable',
    ]);
  });
});
