import { describe, expect, it } from "vitest";
import { checkShape, codecFor, objectCodec } from "./codec.js";
import { findResource } from "./resources.js";
import type { Deployment, Pod } from "./gen/types.js";

const deployments = findResource("apps", "deployments");
const pods = findResource("", "pods");

describe("objectCodec", () => {
  it("round-trips a deployment with IntOrString, maps, int64 and explicit zeros", () => {
    if (!deployments) throw new Error("deployments not registered");
    const codec = objectCodec<Deployment>(deployments);
    const original: Deployment = {
      metadata: {
        name: "web",
        namespace: "default",
        generation: 3,
        labels: { app: "web" },
        annotations: { a: "" },
      },
      spec: {
        replicas: 0,
        paused: false,
        selector: { matchLabels: { app: "web" } },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            containers: [{ name: "c", image: "busybox", ports: [{ containerPort: 80 }], resources: {} }],
          },
        },
      },
    };
    const decoded = codec.decode(codec.encode(original));
    expect(decoded).toEqual({ apiVersion: "apps/v1", kind: "Deployment", ...original });
    expect(Object.keys(decoded).slice(0, 3)).toEqual(["apiVersion", "kind", "metadata"]);
  });

  it("keeps an IntOrString port name and number", () => {
    const codec = codecFor<Pod>("ktl.core.v1.Pod");
    const pod: Pod = {
      spec: {
        containers: [
          { name: "a", readinessProbe: { httpGet: { port: "http", path: "/" }, tcpSocket: { port: 8080 } } },
        ],
      },
    };
    expect(codec.decode(codec.encode(pod))).toEqual(pod);
  });
});

describe("checkShape", () => {
  it("reports unknown fields with their paths", () => {
    const problems = checkShape("ktl.core.v1.Pod", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "x", bogus: 1 },
      spec: { containers: [{ name: "a", imagePolicy: "x" }] },
    });
    expect(problems.unknownFields).toEqual(["metadata.bogus", "spec.containers[0].imagePolicy"]);
    expect(problems.typeErrors).toEqual([]);
  });

  it("reports values of the wrong type", () => {
    if (!pods) throw new Error("pods not registered");
    const problems = checkShape("ktl.apps.v1.Deployment", {
      spec: { replicas: "three", template: { metadata: { labels: { a: 1 } } }, selector: [] },
    });
    expect(problems.typeErrors).toEqual([
      "spec.replicas: expected number, got string",
      "spec.template.metadata.labels.a: expected string, got number",
      "spec.selector: expected object, got array",
    ]);
  });
});
