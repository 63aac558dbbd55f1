import { describe, expect, it } from "vitest";
import { Discovery, kindPrefix } from "./discovery.js";

const discovery = Discovery.fromLists([
  {
    groupVersion: "v1",
    resources: [
      {
        name: "pods",
        singularName: "pod",
        namespaced: true,
        kind: "Pod",
        shortNames: ["po"],
        categories: ["all"],
      },
      { name: "pods/log", namespaced: true, kind: "Pod" },
      {
        name: "services",
        singularName: "service",
        namespaced: true,
        kind: "Service",
        shortNames: ["svc"],
        categories: ["all"],
      },
      { name: "nodes", singularName: "node", namespaced: false, kind: "Node", shortNames: ["no"] },
    ],
  },
  {
    groupVersion: "apps/v1",
    resources: [
      {
        name: "deployments",
        singularName: "deployment",
        namespaced: true,
        kind: "Deployment",
        shortNames: ["deploy"],
        categories: ["all"],
      },
      { name: "deployments/scale", namespaced: true, kind: "Scale" },
    ],
  },
]);

describe("Discovery", () => {
  it.each([
    "deploy",
    "deployment",
    "deployments",
    "Deployment",
    "deployments.apps",
    "deploy.apps",
    "deployments.v1.apps",
  ])("resolves %s", (word) => expect(discovery.resolve(word).resource).toBe("deployments"));

  it("knows subresources, categories and kinds", () => {
    expect(discovery.resolve("po").subresources).toEqual(["log"]);
    expect(discovery.category("all").map((r) => r.resource)).toEqual(["pods", "services", "deployments"]);
    expect(discovery.forKind("apps/v1", "Deployment")?.namespaced).toBe(true);
    expect(kindPrefix(discovery.resolve("deploy"))).toBe("deployment.apps");
    expect(kindPrefix(discovery.resolve("svc"))).toBe("service");
  });

  it("refuses an unknown type with kubectl's message", () => {
    expect(() => discovery.resolve("foo")).toThrow('the server doesn\'t have a resource type "foo"');
    expect(discovery.tryResolve("pods.apps")).toBeUndefined();
  });
});
