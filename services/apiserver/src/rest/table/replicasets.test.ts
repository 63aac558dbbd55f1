import type { ReplicaSet } from "@ktl/api";
import { describe, expect, it } from "vitest";
import { replicaSetPrinter } from "./replicasets.js";

const NOW = new Date("2024-05-01T12:00:00Z");
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();
const template = {
  spec: {
    containers: [
      { name: "web", image: "nginx:1.25" },
      { name: "log", image: "busybox" },
    ],
  },
};

describe("replicaset printer", () => {
  const rs = (spec: ReplicaSet["spec"], status: ReplicaSet["status"] = {}): ReplicaSet => ({
    metadata: { name: "web-5d9f", creationTimestamp: ago(45) },
    spec,
    status,
  });

  it("has Kubernetes' replicaset columns", () => {
    expect(replicaSetPrinter.columns.map((c) => [c.name, c.type, c.priority])).toEqual([
      ["Name", "string", 0],
      ["Desired", "integer", 0],
      ["Current", "integer", 0],
      ["Ready", "integer", 0],
      ["Age", "string", 0],
      ["Containers", "string", 1],
      ["Images", "string", 1],
      ["Selector", "string", 1],
    ]);
  });

  it("prints desired, current, ready and the wide cells", () => {
    const r = rs(
      { replicas: 3, selector: { matchLabels: { app: "web", "pod-template-hash": "5d9f" } }, template },
      { replicas: 3, readyReplicas: 1 },
    );
    expect(replicaSetPrinter.print(r, NOW).cells).toEqual([
      "web-5d9f",
      3,
      3,
      1,
      "45s",
      "web,log",
      "nginx:1.25,busybox",
      "app=web,pod-template-hash=5d9f",
    ]);
  });

  it("prints <none> for a missing selector and empty container cells without a template", () => {
    expect(replicaSetPrinter.print(rs({}), NOW).cells).toEqual([
      "web-5d9f",
      1,
      0,
      0,
      "45s",
      "",
      "",
      "<none>",
    ]);
  });
});
