import { describe, it, expect } from "vitest";
import { PatchError } from "./errors.js";
import type { JsonObject } from "./json.js";
import { applyStrategicMergePatch, kubernetesPatchMeta } from "./strategic-merge-patch.js";
import type { PatchMeta } from "./strategic-merge-patch.js";

const smp = (original: unknown, patch: unknown) =>
  applyStrategicMergePatch(original, patch, kubernetesPatchMeta);

/** Directive keys all start with "$"; none may survive into a stored object. */
function expectNoDirectives(value: unknown): void {
  expect(JSON.stringify(value)).not.toMatch(/"\$(patch|retainKeys|setElementOrder|deleteFromPrimitiveList)/);
}

const deployment = (): JsonObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", labels: { app: "web" }, annotations: { owner: "team-a", note: "x" } },
  spec: {
    replicas: 2,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        containers: [
          {
            name: "web",
            image: "nginx:1",
            ports: [{ containerPort: 80, protocol: "TCP" }],
            env: [{ name: "A", value: "1" }],
          },
          { name: "sidecar", image: "envoy:1" },
        ],
        tolerations: [{ key: "k", operator: "Exists" }],
        volumes: [{ name: "data", emptyDir: {} }],
      },
    },
  },
});

/** Reads a dotted path ("spec.containers.0.name") out of a patch result. */
function at(value: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], value);
}
const names = (value: unknown, path: string) =>
  (at(value, path) as { name: string }[]).map((item) => item.name);
const containers = (value: unknown) => at(value, "spec.template.spec.containers");
const containerNames = (value: unknown) => names(value, "spec.template.spec.containers");

describe("applyStrategicMergePatch: what kubectl sends", () => {
  it("kubectl apply changing an image merges the container by name", () => {
    const original = deployment();
    const snapshot = structuredClone(original);
    const patch = {
      spec: {
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "web" }, { name: "sidecar" }],
            containers: [{ image: "nginx:2", name: "web" }],
          },
        },
      },
    };
    const result = smp(original, patch);
    expect(containers(result)).toEqual([
      {
        name: "web",
        image: "nginx:2",
        ports: [{ containerPort: 80, protocol: "TCP" }],
        env: [{ name: "A", value: "1" }],
      },
      { name: "sidecar", image: "envoy:1" },
    ]);
    expect(at(result, "spec.replicas")).toBe(2);
    expectNoDirectives(result);
    expect(original).toEqual(snapshot);
    expect(patch.spec.template.spec["$setElementOrder/containers"]).toHaveLength(2);
  });

  it("kubectl apply with a single-container manifest (the brief's literal patch)", () => {
    const original = { spec: { template: { spec: { containers: [{ name: "web", image: "nginx:1" }] } } } };
    const patch = {
      spec: {
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "web" }],
            containers: [{ image: "nginx:2", name: "web" }],
          },
        },
      },
    };
    expect(smp(original, patch)).toEqual({
      spec: { template: { spec: { containers: [{ name: "web", image: "nginx:2" }] } } },
    });
  });

  it("kubectl apply removing a container sends $patch: delete", () => {
    const result = smp(deployment(), {
      spec: {
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "web" }],
            containers: [{ $patch: "delete", name: "sidecar" }],
          },
        },
      },
    });
    expect(containerNames(result)).toEqual(["web"]);
    expectNoDirectives(result);
  });

  it("deletes an annotation set to null and leaves the others", () => {
    const result = smp(deployment(), { metadata: { annotations: { note: null, missing: null } } });
    expect(at(result, "metadata.annotations")).toEqual({ owner: "team-a" });
  });

  it("kubectl label adds, overwrites and removes labels", () => {
    const added = smp(deployment(), { metadata: { labels: { tier: "frontend", app: "web2" } } });
    expect(at(added, "metadata.labels")).toEqual({ app: "web2", tier: "frontend" });
    const removed = smp(added, { metadata: { labels: { tier: null } } });
    expect(at(removed, "metadata.labels")).toEqual({ app: "web2" });
  });

  it("$setElementOrder reorders the list", () => {
    const pod = { spec: { containers: [{ name: "a" }, { name: "b" }, { name: "c" }] } };
    const result = smp(pod, {
      spec: { "$setElementOrder/containers": [{ name: "c" }, { name: "a" }, { name: "b" }] },
    });
    expect(at(result, "spec.containers")).toEqual([{ name: "c" }, { name: "a" }, { name: "b" }]);
  });

  it("$setElementOrder keeps server-only elements, interleaved by their live position as Kubernetes does", () => {
    const atEnd = smp(
      { spec: { containers: [{ name: "a" }, { name: "b" }, { name: "x" }] } },
      { spec: { "$setElementOrder/containers": [{ name: "b" }, { name: "a" }] } },
    );
    expect(names(atEnd, "spec.containers")).toEqual(["b", "a", "x"]);
    const inMiddle = smp(
      { spec: { containers: [{ name: "a" }, { name: "x" }, { name: "b" }] } },
      { spec: { "$setElementOrder/containers": [{ name: "b" }, { name: "a" }] } },
    );
    expect(names(inMiddle, "spec.containers")).toEqual(["x", "b", "a"]);
  });

  it("kubectl apply adding a container places it where $setElementOrder says", () => {
    const result = smp(deployment(), {
      spec: {
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "web" }, { name: "metrics" }, { name: "sidecar" }],
            containers: [{ name: "metrics", image: "prom:1" }],
          },
        },
      },
    });
    expect(containerNames(result)).toEqual(["web", "metrics", "sidecar"]);
  });

  it("without $setElementOrder a new element goes first, as in Kubernetes (kubectl patch docs)", () => {
    const result = smp(deployment(), {
      spec: { template: { spec: { containers: [{ name: "patch-demo-ctr-2", image: "redis" }] } } },
    });
    expect(containerNames(result)).toEqual(["patch-demo-ctr-2", "web", "sidecar"]);
  });

  it("merges container ports by containerPort and env by name", () => {
    const result = smp(deployment(), {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "web",
                "$setElementOrder/ports": [{ containerPort: 80 }, { containerPort: 443 }],
                ports: [
                  { containerPort: 80, name: "http" },
                  { containerPort: 443, name: "https" },
                ],
                env: [{ name: "A", value: "2" }],
              },
            ],
          },
        },
      },
    });
    const web = at(result, "spec.template.spec.containers.0");
    expect(at(web, "ports")).toEqual([
      { containerPort: 80, protocol: "TCP", name: "http" },
      { containerPort: 443, name: "https" },
    ]);
    expect(at(web, "env")).toEqual([{ name: "A", value: "2" }]);
    expectNoDirectives(result);
  });

  it("merges volumeMounts by mountPath and volumes by name", () => {
    const pod = {
      spec: {
        containers: [{ name: "c", volumeMounts: [{ mountPath: "/data", name: "data" }] }],
        volumes: [{ name: "data", emptyDir: {} }],
      },
    };
    const result = smp(pod, {
      spec: {
        containers: [{ name: "c", volumeMounts: [{ mountPath: "/data", readOnly: true }] }],
        volumes: [{ name: "cfg", configMap: { name: "cfg" } }],
      },
    });
    expect(at(result, "spec.containers.0.volumeMounts")).toEqual([
      { mountPath: "/data", name: "data", readOnly: true },
    ]);
    expect(names(result, "spec.volumes").sort()).toEqual(["cfg", "data"]);
  });

  it("unions primitive lists with patchStrategy merge (finalizers)", () => {
    const obj = { metadata: { finalizers: ["a", "b"] } };
    expect(at(smp(obj, { metadata: { finalizers: ["b", "c"] } }), "metadata.finalizers")).toEqual([
      "a",
      "b",
      "c",
    ]);
    // Kubernetes puts values new to the list ahead of the untouched ones.
    expect(at(smp(obj, { metadata: { finalizers: ["c"] } }), "metadata.finalizers")).toEqual(["c", "a", "b"]);
    expect(at(smp({ metadata: {} }, { metadata: { finalizers: ["x"] } }), "metadata.finalizers")).toEqual([
      "x",
    ]);
  });

  it("$deleteFromPrimitiveList removes values from a primitive list", () => {
    const obj = { metadata: { finalizers: ["a", "b", "c"] } };
    const bare = smp(obj, { metadata: { "$deleteFromPrimitiveList/finalizers": ["b", "zzz"] } });
    expect(at(bare, "metadata.finalizers")).toEqual(["a", "c"]);
    // What kubectl apply sends when a finalizer is dropped from the manifest and one added.
    const applied = smp(obj, {
      metadata: {
        "$deleteFromPrimitiveList/finalizers": ["b"],
        "$setElementOrder/finalizers": ["a", "d", "c"],
        finalizers: ["d"],
      },
    });
    expect(at(applied, "metadata.finalizers")).toEqual(["a", "d", "c"]);
    expectNoDirectives(applied);
    // Deleting from a list that does not exist must not create it.
    expect(smp({ metadata: {} }, { metadata: { "$deleteFromPrimitiveList/finalizers": ["a"] } })).toEqual({
      metadata: {},
    });
  });

  it("$retainKeys clears unlisted fields (Deployment strategy switch to Recreate)", () => {
    const result = smp(deployment(), { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } });
    expect(at(result, "spec.strategy")).toEqual({ type: "Recreate" });
    expect(at(result, "spec.replicas")).toBe(2);
  });

  it("$retainKeys inside a volume switches its source", () => {
    const result = smp(deployment(), {
      spec: {
        template: {
          spec: {
            volumes: [{ name: "data", hostPath: { path: "/srv" }, $retainKeys: ["hostPath", "name"] }],
          },
        },
      },
    });
    expect(at(result, "spec.template.spec.volumes")).toEqual([{ name: "data", hostPath: { path: "/srv" } }]);
  });

  it("$retainKeys must list every field the patch sets", () => {
    expect(() =>
      smp(deployment(), { spec: { strategy: { $retainKeys: ["type"], rollingUpdate: {} } } }),
    ).toThrow(/retainKeys/);
  });

  it("$patch: replace on a list replaces it wholesale", () => {
    const result = smp(deployment(), {
      spec: {
        template: { spec: { containers: [{ $patch: "replace" }, { name: "only", image: "busybox" }] } },
      },
    });
    expect(containers(result)).toEqual([{ name: "only", image: "busybox" }]);
  });

  it("$patch: replace and delete on maps", () => {
    const replaced = smp(deployment(), { metadata: { labels: { $patch: "replace", fresh: "yes" } } });
    expect(at(replaced, "metadata.labels")).toEqual({ fresh: "yes" });
    const emptied = smp(deployment(), { metadata: { annotations: { $patch: "delete" } } });
    expect(at(emptied, "metadata.annotations")).toEqual({});
    const merged = smp(deployment(), { metadata: { labels: { $patch: "merge", extra: "1" } } });
    expect(at(merged, "metadata.labels")).toEqual({ app: "web", extra: "1" });
  });

  it("replaces lists that have no merge strategy (tolerations, args)", () => {
    const result = smp(deployment(), {
      spec: { template: { spec: { tolerations: [{ key: "other", operator: "Exists" }] } } },
    });
    expect(at(result, "spec.template.spec.tolerations")).toEqual([{ key: "other", operator: "Exists" }]);
  });

  it("cleans directives and nulls out of values that had nothing to merge with", () => {
    const result = smp(
      { metadata: { name: "p" } },
      {
        metadata: { labels: { a: "1", gone: null } },
        spec: {
          "$setElementOrder/containers": [{ name: "b" }, { name: "a" }],
          containers: [{ name: "b", env: null }, { name: "z", $patch: "delete" }, { name: "a" }],
          extra: { $patch: "delete" },
        },
      },
    );
    expect(result).toEqual({
      metadata: { name: "p", labels: { a: "1" } },
      spec: { containers: [{ name: "b" }, { name: "a" }] },
    });
  });

  it("merges Service ports by port, ownerReferences by uid and status conditions by type", () => {
    const svc = smp(
      { spec: { ports: [{ port: 80, targetPort: 8080 }] } },
      { spec: { ports: [{ port: 80, name: "http" }] } },
    );
    expect(at(svc, "spec.ports")).toEqual([{ port: 80, targetPort: 8080, name: "http" }]);

    const owned = smp(
      { metadata: { ownerReferences: [{ uid: "u1", kind: "ReplicaSet", name: "rs" }] } },
      { metadata: { ownerReferences: [{ uid: "u1", controller: true }] } },
    );
    expect(at(owned, "metadata.ownerReferences")).toEqual([
      { uid: "u1", kind: "ReplicaSet", name: "rs", controller: true },
    ]);

    const node = smp(
      {
        status: {
          conditions: [
            { type: "Ready", status: "False" },
            { type: "MemoryPressure", status: "False" },
          ],
          addresses: [{ type: "InternalIP", address: "10.0.0.1" }],
        },
      },
      {
        status: {
          conditions: [{ type: "Ready", status: "True" }],
          addresses: [{ type: "Hostname", address: "n1" }],
        },
      },
    );
    expect(at(node, "status.conditions")).toEqual([
      { type: "Ready", status: "True" },
      { type: "MemoryPressure", status: "False" },
    ]);
    expect(at(node, "status.addresses")).toHaveLength(2);
  });

  it("leaves the input untouched and treats a missing original as {}", () => {
    expect(applyStrategicMergePatch(undefined, { a: 1 }, kubernetesPatchMeta)).toEqual({ a: 1 });
    expect(applyStrategicMergePatch(null, { a: { b: null } }, kubernetesPatchMeta)).toEqual({ a: {} });
  });
});

describe("applyStrategicMergePatch: errors", () => {
  it("rejects non-object documents and patches", () => {
    expect(() => smp({}, [])).toThrow(PatchError);
    expect(() => smp([], {})).toThrow(PatchError);
  });

  it("requires the merge key on list elements", () => {
    expect(() =>
      smp(deployment(), { spec: { template: { spec: { containers: [{ image: "x" }] } } } }),
    ).toThrow(/does not contain declared merge key: name/);
  });

  it("rejects unknown $patch values", () => {
    expect(() => smp(deployment(), { metadata: { labels: { $patch: "frobnicate" } } })).toThrow(
      /unknown patch type/,
    );
  });

  it("rejects a patch list whose order contradicts $setElementOrder", () => {
    expect(() =>
      smp(deployment(), {
        spec: {
          template: {
            spec: {
              "$setElementOrder/containers": [{ name: "web" }, { name: "sidecar" }],
              containers: [{ name: "sidecar" }, { name: "web" }],
            },
          },
        },
      }),
    ).toThrow(/doesn't match \$setElementOrder list/);
  });

  it("rejects malformed directive keys", () => {
    expect(() => smp({}, { $setElementOrder: [] })).toThrow(/setElementOrder/);
    expect(() => smp({}, { $deleteFromPrimitiveList: [] })).toThrow(/primitive list/);
  });
});

describe("custom PatchMeta", () => {
  it("uses the caller's metadata, e.g. for a custom resource", () => {
    const meta: PatchMeta = (path) =>
      path.join(".") === "spec.items" ? { strategy: "merge", mergeKey: "id" } : undefined;
    const result = applyStrategicMergePatch(
      { spec: { items: [{ id: 1, v: "a" }], tags: ["x"] } },
      { spec: { items: [{ id: 1, v: "b" }], tags: ["y"] } },
      meta,
    );
    expect(result).toEqual({ spec: { items: [{ id: 1, v: "b" }], tags: ["y"] } });
  });
});

describe("kubernetesPatchMeta", () => {
  const cases: [string, unknown][] = [
    ["spec.containers", { strategy: "merge", mergeKey: "name" }],
    ["spec.template.spec.initContainers", { strategy: "merge", mergeKey: "name" }],
    ["spec.template.spec.containers.ports", { strategy: "merge", mergeKey: "containerPort" }],
    ["spec.ephemeralContainers.env", { strategy: "merge", mergeKey: "name" }],
    ["spec.containers.volumeMounts", { strategy: "merge", mergeKey: "mountPath" }],
    ["spec.volumes", { strategy: "merge", mergeKey: "name" }],
    ["spec.imagePullSecrets", { strategy: "merge", mergeKey: "name" }],
    ["spec.tolerations", undefined],
    ["spec.ports", { strategy: "merge", mergeKey: "port" }],
    ["spec.taints", undefined],
    ["spec.strategy", { strategy: "retainKeys" }],
    ["metadata.finalizers", { strategy: "merge" }],
    ["metadata.ownerReferences", { strategy: "merge", mergeKey: "uid" }],
    ["spec.template.metadata.finalizers", { strategy: "merge" }],
    ["status.conditions", { strategy: "merge", mergeKey: "type" }],
    ["status.addresses", { strategy: "merge", mergeKey: "type" }],
    ["subsets.addresses", undefined],
    ["metadata.labels.constructor", undefined],
    ["spec.containers.args", undefined],
  ];
  it.each(cases)("%s", (path, expected) => {
    expect(kubernetesPatchMeta(path.split("."))).toEqual(expected);
  });
});
