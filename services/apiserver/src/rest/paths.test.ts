import { describe, expect, it } from "vitest";
import { parseResourcePath } from "./paths.js";

const summary = (path: string) => {
  const p = parseResourcePath(path);
  return p && [p.info.resource, p.namespace, p.name, p.subresource, p.watchPath];
};

describe("parseResourcePath", () => {
  it("resolves core and group paths, namespaced and not", () => {
    expect(summary("/api/v1/pods")).toEqual(["pods", undefined, undefined, undefined, false]);
    expect(summary("/api/v1/namespaces/default/pods/web/status")).toEqual([
      "pods",
      "default",
      "web",
      "status",
      false,
    ]);
    expect(summary("/apis/apps/v1/namespaces/x/deployments/d/scale")).toEqual([
      "deployments",
      "x",
      "d",
      "scale",
      false,
    ]);
    expect(summary("/api/v1/nodes/n1")).toEqual(["nodes", undefined, "n1", undefined, false]);
  });

  it("treats namespaces/<name> as the namespace object itself", () => {
    expect(summary("/api/v1/namespaces/default")).toEqual([
      "namespaces",
      undefined,
      "default",
      undefined,
      false,
    ]);
    expect(summary("/api/v1/namespaces/default/finalize")).toEqual([
      "namespaces",
      undefined,
      "default",
      "finalize",
      false,
    ]);
  });

  it("understands the legacy watch prefix", () => {
    expect(summary("/api/v1/watch/namespaces/default/pods")).toEqual([
      "pods",
      "default",
      undefined,
      undefined,
      true,
    ]);
  });

  it("rejects what is not a resource", () => {
    expect(parseResourcePath("/api/v1")).toBeUndefined();
    expect(parseResourcePath("/apis/apps/v2/deployments")).toBeUndefined();
    expect(parseResourcePath("/api/v1/widgets")).toBeUndefined();
    expect(parseResourcePath("/apis/apps/v1/namespaces/x/pods")).toBeUndefined();
    expect(parseResourcePath("/api/v1/namespaces/a/pods/b/status/extra")).toBeUndefined();
  });
});
