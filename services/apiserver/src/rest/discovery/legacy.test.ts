import { describe, expect, it } from "vitest";
import { apiGroup, apiGroupList, apiResourceList, apiVersions } from "./legacy.js";

describe("apiVersions (/api)", () => {
  it("lists v1 and the given server address", () => {
    expect(apiVersions("10.0.0.1:6443")).toEqual({
      kind: "APIVersions",
      versions: ["v1"],
      serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "10.0.0.1:6443" }],
    });
  });
});

describe("apiGroupList (/apis) and apiGroup (/apis/<group>)", () => {
  const apps = {
    name: "apps",
    versions: [{ groupVersion: "apps/v1", version: "v1" }],
    preferredVersion: { groupVersion: "apps/v1", version: "v1" },
  };
  const coordination = {
    name: "coordination.k8s.io",
    versions: [{ groupVersion: "coordination.k8s.io/v1", version: "v1" }],
    preferredVersion: { groupVersion: "coordination.k8s.io/v1", version: "v1" },
  };

  it("lists the named groups, not core", () => {
    expect(apiGroupList()).toEqual({ kind: "APIGroupList", apiVersion: "v1", groups: [apps, coordination] });
  });

  it("describes one group, and nothing for an unserved one", () => {
    expect(apiGroup("apps")).toEqual({ kind: "APIGroup", apiVersion: "v1", ...apps });
    expect(apiGroup("batch")).toBeUndefined();
    expect(apiGroup("")).toBeUndefined();
  });
});

describe("apiResourceList (/api/v1, /apis/apps/v1)", () => {
  const core = apiResourceList("", "v1");
  const apps = apiResourceList("apps", "v1");
  const find = (name: string) =>
    [...(core?.resources ?? []), ...(apps?.resources ?? [])].find((r) => r.name === name);

  it("lists resources and subresources sorted by name", () => {
    expect(core?.kind).toBe("APIResourceList");
    expect(core?.apiVersion).toBe("v1");
    expect(core?.groupVersion).toBe("v1");
    expect(core?.resources.map((r) => r.name)).toEqual([
      "configmaps",
      "endpoints",
      "events",
      "namespaces",
      "namespaces/finalize",
      "namespaces/status",
      "nodes",
      "nodes/status",
      "pods",
      "pods/binding",
      "pods/exec",
      "pods/log",
      "pods/status",
      "services",
      "services/status",
    ]);
    expect(apps?.groupVersion).toBe("apps/v1");
    expect(apps?.resources.map((r) => r.name)).toEqual([
      "deployments",
      "deployments/scale",
      "deployments/status",
      "replicasets",
      "replicasets/scale",
      "replicasets/status",
    ]);
  });

  it("describes a resource as Kubernetes does, storageVersionHash included", () => {
    expect(find("pods")).toEqual({
      name: "pods",
      singularName: "pod",
      namespaced: true,
      kind: "Pod",
      verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
      shortNames: ["po"],
      categories: ["all"],
      storageVersionHash: "xPOwRZ+Yhw8=",
    });
    expect(find("deployments")?.storageVersionHash).toBe("8aSe+NMegvE=");
    expect(find("namespaces")).toMatchObject({
      namespaced: false,
      verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    });
  });

  it("leaves out empty shortNames and categories", () => {
    expect(find("configmaps")).not.toHaveProperty("categories");
    expect(find("configmaps")?.shortNames).toEqual(["cm"]);
  });

  it("describes subresources: status, binding, log, finalize, scale", () => {
    expect(find("pods/status")).toEqual({
      name: "pods/status",
      singularName: "",
      namespaced: true,
      kind: "Pod",
      verbs: ["get", "patch", "update"],
    });
    expect(find("pods/binding")).toEqual({
      name: "pods/binding",
      singularName: "",
      namespaced: true,
      kind: "Binding",
      verbs: ["create"],
    });
    expect(find("pods/log")).toEqual({
      name: "pods/log",
      singularName: "",
      namespaced: true,
      kind: "Pod",
      verbs: ["get"],
    });
    expect(find("namespaces/finalize")).toEqual({
      name: "namespaces/finalize",
      singularName: "",
      namespaced: false,
      kind: "Namespace",
      verbs: ["update"],
    });
    expect(find("deployments/scale")).toEqual({
      name: "deployments/scale",
      singularName: "",
      namespaced: true,
      group: "autoscaling",
      version: "v1",
      kind: "Scale",
      verbs: ["get", "patch", "update"],
    });
  });

  it("is undefined for an unserved group/version", () => {
    expect(apiResourceList("apps", "v1beta1")).toBeUndefined();
    expect(apiResourceList("batch", "v1")).toBeUndefined();
  });
});
