import { describe, it, expect } from "vitest";
import { fieldErrorMessage } from "@ktl/apimachinery";
import type { Deployment, DeploymentSpec } from "../gen/types.js";
import { applyDefaults } from "../defaults/index.js";
import { validateCreate, validateUpdate } from "./index.js";

function deployment(spec: Partial<DeploymentSpec> = {}): Deployment {
  const d: Deployment = {
    metadata: { name: "web", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image: "nginx" }] },
      },
      ...spec,
    },
  };
  applyDefaults("Deployment", d);
  return d;
}

const messages = (d: unknown): string[] => validateCreate("Deployment", d).map(fieldErrorMessage);

describe("Deployment create", () => {
  it("accepts a defaulted deployment", () => {
    expect(messages(deployment())).toEqual([]);
  });

  it("requires non-negative replicas", () => {
    expect(messages(deployment({ replicas: 0 }))).toEqual([]);
    expect(messages(deployment({ replicas: -1 }))).toEqual([
      "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
    ]);
  });

  it("requires a non-empty selector that matches the template", () => {
    const none = deployment();
    delete none.spec?.selector;
    expect(messages(none)).toEqual([
      "spec.selector: Required value",
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ]);
    expect(messages(deployment({ selector: {} }))).toEqual([
      "spec.selector: Invalid value: {}: empty selector is invalid for deployment",
    ]);
    expect(messages(deployment({ selector: { matchLabels: { app: "api" } } }))).toEqual([
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ]);
    const expr = { matchExpressions: [{ key: "app", operator: "In", values: ["web", "api"] }] };
    expect(messages(deployment({ selector: expr }))).toEqual([]);
  });

  it("reports a selector it cannot build, and skips the template", () => {
    const bad = { matchExpressions: [{ key: "app", operator: "Near", values: ["web"] }] };
    expect(messages(deployment({ selector: bad }))).toEqual([
      'spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator',
      'spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"Near","values":["web"]}]}: invalid label selector',
    ]);
  });

  it("validates the template's pod spec under spec.template", () => {
    const d = deployment();
    const c = d.spec?.template?.spec?.containers?.[0];
    if (c) c.image = "";
    expect(messages(d)).toEqual(["spec.template.spec.containers[0].image: Required value"]);
    const empty = deployment({ template: { metadata: { labels: { app: "web" } } } });
    expect(messages(empty)).toEqual(["spec.template.spec.containers: Required value"]);
  });

  it("requires restartPolicy Always in the template", () => {
    const d = deployment();
    if (d.spec?.template?.spec) d.spec.template.spec.restartPolicy = "OnFailure";
    expect(messages(d)).toEqual([
      'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    ]);
  });

  it("checks the strategy type", () => {
    expect(messages(deployment({ strategy: { type: "Recreate" } }))).toEqual([]);
    expect(messages(deployment({ strategy: { type: "BlueGreen" } }))).toEqual([
      'spec.strategy: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"',
    ]);
    expect(messages(deployment({ strategy: { type: "Recreate", rollingUpdate: {} } }))).toEqual([
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]);
  });

  it("checks maxSurge and maxUnavailable", () => {
    const ru = (maxUnavailable: number | string, maxSurge: number | string): Deployment =>
      deployment({ strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable, maxSurge } } });
    expect(messages(ru(1, "50%"))).toEqual([]);
    expect(messages(ru(0, 0))).toEqual([
      "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0",
    ]);
    expect(messages(ru("0%", 0))).toEqual([
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0',
    ]);
    expect(messages(ru("half", 1))).toEqual([
      `spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "half": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
    ]);
    expect(messages(ru(-1, 1))).toEqual([
      "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: -1: must be greater than or equal to 0",
    ]);
    expect(messages(ru("150%", 1))).toEqual([
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
    ]);
    expect(messages(ru(true as unknown as number, 1))).toEqual([
      "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: true: must be an integer or a string",
    ]);
  });

  it("checks revisionHistoryLimit and progressDeadlineSeconds", () => {
    expect(messages(deployment({ revisionHistoryLimit: 0 }))).toEqual([]);
    expect(messages(deployment({ revisionHistoryLimit: -1 }))).toEqual([
      "spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
    ]);
    expect(messages(deployment({ minReadySeconds: 10, progressDeadlineSeconds: 10 }))).toEqual([
      "spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds",
    ]);
    expect(messages(deployment({ minReadySeconds: 10, progressDeadlineSeconds: 11 }))).toEqual([]);
  });
});

describe("Deployment update", () => {
  it("allows scaling and template changes", () => {
    const old = deployment();
    const next = deployment({ replicas: 5 });
    if (next.spec?.template?.spec?.containers?.[0]) next.spec.template.spec.containers[0].image = "nginx:2";
    expect(validateUpdate("Deployment", next, old)).toEqual([]);
  });

  it("forbids changing the selector", () => {
    const old = deployment();
    const next = deployment({
      selector: { matchLabels: { app: "web", tier: "fe" } },
      template: {
        metadata: { labels: { app: "web", tier: "fe" } },
        spec: { containers: [{ name: "web", image: "nginx" }] },
      },
    });
    expect(validateUpdate("Deployment", next, old).map(fieldErrorMessage)).toEqual([
      'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"fe"}}: field is immutable',
    ]);
  });
});
