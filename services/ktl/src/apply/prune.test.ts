import { describe, expect, it } from "vitest";
import { Discovery } from "../client/discovery.js";
import { pruneResources } from "./prune.js";

const discovery = Discovery.fromLists([
  {
    groupVersion: "v1",
    resources: [
      { name: "configmaps", namespaced: true, kind: "ConfigMap" },
      { name: "namespaces", namespaced: false, kind: "Namespace" },
      { name: "pods", namespaced: true, kind: "Pod" },
    ],
  },
  { groupVersion: "apps/v1", resources: [{ name: "deployments", namespaced: true, kind: "Deployment" }] },
]);

describe("pruneResources", () => {
  it("takes kubectl's default allowlist as far as the server serves it, namespaced kinds first", () => {
    expect(pruneResources(discovery, []).map((r) => r.resource)).toEqual([
      "configmaps",
      "pods",
      "deployments",
      "namespaces",
    ]);
  });

  it("reads --prune-allowlist as group/version/kind, core for the legacy group", () => {
    const chosen = pruneResources(discovery, ["core/v1/Namespace", "apps/v1/Deployment"]);
    expect(chosen.map((r) => r.resource)).toEqual(["deployments", "namespaces"]);
    expect(() => pruneResources(discovery, ["v1/ConfigMap"])).toThrow(
      "invalid GroupVersionKind format: v1/ConfigMap, please follow <group/version/kind>",
    );
    expect(() => pruneResources(discovery, ["core/v1/Secret"])).toThrow(
      'no matches for kind "Secret" in version "v1"',
    );
  });
});
