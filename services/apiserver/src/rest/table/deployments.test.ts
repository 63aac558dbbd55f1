import type { Deployment } from "@ktl/api";
import { describe, expect, it } from "vitest";
import { deploymentPrinter } from "./deployments.js";

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

describe("deployment printer", () => {
  const deployment = (spec: Deployment["spec"], status: Deployment["status"] = {}): Deployment => ({
    metadata: { name: "web", creationTimestamp: ago(3600 * 5 + 60 * 2) },
    spec,
    status,
  });

  it("has Kubernetes' deployment columns", () => {
    expect(deploymentPrinter.columns.map((c) => [c.name, c.type, c.priority])).toEqual([
      ["Name", "string", 0],
      ["Ready", "string", 0],
      ["Up-to-date", "string", 0],
      ["Available", "string", 0],
      ["Age", "string", 0],
      ["Containers", "string", 1],
      ["Images", "string", 1],
      ["Selector", "string", 1],
    ]);
  });

  it("prints ready/desired, up-to-date, available and the wide cells", () => {
    const d = deployment(
      { replicas: 3, selector: { matchLabels: { app: "web" } }, template },
      { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    );
    expect(deploymentPrinter.print(d, NOW).cells).toEqual([
      "web",
      "2/3",
      3,
      2,
      "5h2m",
      "web,log",
      "nginx:1.25,busybox",
      "app=web",
    ]);
  });

  it("defaults desired to 1 and counts to 0", () => {
    expect(deploymentPrinter.print(deployment({ template }), NOW).cells.slice(1, 4)).toEqual(["0/1", 0, 0]);
    expect(deploymentPrinter.print(deployment({ replicas: 0, template }), NOW).cells[1]).toBe("0/0");
  });

  it("prints the selector as selector.String(): empty when unset, <invalid> when bad", () => {
    const selector = (s: Deployment["spec"]) => deploymentPrinter.print(deployment(s), NOW).cells[7];
    expect(selector({})).toBe("");
    expect(
      selector({ selector: { matchExpressions: [{ key: "tier", operator: "In", values: ["b", "a"] }] } }),
    ).toBe("tier in (a,b)");
    expect(selector({ selector: { matchExpressions: [{ key: "tier", operator: "Bogus" }] } })).toBe(
      "<invalid>",
    );
  });
});
