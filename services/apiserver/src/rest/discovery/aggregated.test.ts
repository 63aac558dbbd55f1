import { describe, expect, it } from "vitest";
import { aggregatedDiscovery } from "./aggregated.js";
import { apiResourceList } from "./legacy.js";
import type { APIGroupDiscoveryList, APIResource } from "./types.js";

/** client-go's SplitGroupsAndResources: aggregated discovery back into per-group-version resource lists. */
function split(list: APIGroupDiscoveryList): Map<string, APIResource[]> {
  const out = new Map<string, APIResource[]>();
  for (const group of list.items) {
    for (const v of group.versions) {
      const gv = group.metadata.name ? `${group.metadata.name}/${v.version}` : v.version;
      const resources: APIResource[] = [];
      for (const r of v.resources) {
        const namespaced = r.scope === "Namespaced";
        resources.push({
          name: r.resource,
          namespaced,
          kind: r.responseKind.kind,
          verbs: r.verbs,
          singularName: r.singularResource,
        });
        for (const s of r.subresources ?? []) {
          resources.push({
            name: `${r.resource}/${s.subresource}`,
            namespaced,
            kind: s.responseKind.kind,
            verbs: s.verbs,
            singularName: "",
          });
        }
      }
      out.set(gv, resources);
    }
  }
  return out;
}

const essentials = (r: APIResource) => [r.name, r.namespaced, r.kind, r.verbs];

describe("aggregatedDiscovery", () => {
  it("describes the core group under /api as one unnamed group", () => {
    const doc = aggregatedDiscovery("core", "v2");
    expect(doc.kind).toBe("APIGroupDiscoveryList");
    expect(doc.apiVersion).toBe("apidiscovery.k8s.io/v2");
    expect(doc.metadata).toEqual({});
    expect(doc.items).toHaveLength(1);
    expect(doc.items[0]?.metadata).toEqual({});
    expect(doc.items[0]?.versions.map((v) => [v.version, v.freshness])).toEqual([["v1", "Current"]]);
  });

  it("describes a resource with its response kind, scope and subresources", () => {
    const resources = aggregatedDiscovery("core", "v2").items[0]?.versions[0]?.resources ?? [];
    expect(resources.find((r) => r.resource === "pods")).toEqual({
      resource: "pods",
      responseKind: { group: "", version: "v1", kind: "Pod" },
      scope: "Namespaced",
      singularResource: "pod",
      verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
      shortNames: ["po"],
      categories: ["all"],
      subresources: [
        {
          subresource: "binding",
          responseKind: { group: "", version: "v1", kind: "Binding" },
          verbs: ["create"],
        },
        {
          subresource: "exec",
          responseKind: { group: "", version: "v1", kind: "PodExecOptions" },
          verbs: ["create", "get"],
        },
        { subresource: "log", responseKind: { group: "", version: "v1", kind: "Pod" }, verbs: ["get"] },
        {
          subresource: "status",
          responseKind: { group: "", version: "v1", kind: "Pod" },
          verbs: ["get", "patch", "update"],
        },
      ],
    });
    const nodes = resources.find((r) => r.resource === "nodes");
    expect(nodes?.scope).toBe("Cluster");
    const endpoints = resources.find((r) => r.resource === "endpoints");
    expect(endpoints).not.toHaveProperty("subresources");
    expect(endpoints).not.toHaveProperty("categories");
  });

  it("describes the named groups under /apis, in the requested version", () => {
    const doc = aggregatedDiscovery("apis", "v2beta1");
    expect(doc.apiVersion).toBe("apidiscovery.k8s.io/v2beta1");
    expect(doc.items.map((g) => g.metadata.name)).toEqual(["apps", "coordination.k8s.io"]);
    const deployments = doc.items[0]?.versions[0]?.resources.find((r) => r.resource === "deployments");
    expect(deployments?.responseKind).toEqual({ group: "apps", version: "v1", kind: "Deployment" });
    expect(deployments?.subresources?.find((s) => s.subresource === "scale")).toEqual({
      subresource: "scale",
      responseKind: { group: "autoscaling", version: "v1", kind: "Scale" },
      verbs: ["get", "patch", "update"],
    });
  });

  it("says what the unaggregated documents say, once split as client-go splits it", () => {
    const split2 = new Map([
      ...split(aggregatedDiscovery("core", "v2")),
      ...split(aggregatedDiscovery("apis", "v2")),
    ]);
    for (const [group, gv] of [
      ["", "v1"],
      ["apps", "apps/v1"],
      ["coordination.k8s.io", "coordination.k8s.io/v1"],
    ] as const) {
      const legacy = apiResourceList(group, "v1")?.resources ?? [];
      expect(split2.get(gv)?.map(essentials), gv).toEqual(legacy.map(essentials));
    }
  });
});
