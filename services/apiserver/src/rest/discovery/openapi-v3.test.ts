import { RESOURCES, apiVersionOf } from "@ktl/api";
import { describe, expect, it } from "vitest";
import {
  openApiV3GroupVersion,
  openApiV3Hash,
  openApiV3Key,
  openApiV3Root,
  type OpenAPIV3Document,
} from "./openapi-v3.js";

interface Operation {
  operationId: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, unknown> };
  "x-kubernetes-group-version-kind": { group: string; version: string; kind: string };
}
type PathItem = Partial<Record<"get" | "put" | "post" | "patch" | "delete", Operation>>;

const operations = (doc: OpenAPIV3Document | undefined): [method: string, path: string, op: Operation][] =>
  Object.entries(doc?.paths ?? {}).flatMap(([path, item]) =>
    (["get", "put", "post", "patch", "delete"] as const).flatMap((m) => {
      const op = (item as PathItem)[m];
      return op ? [[m, path, op] as [string, string, Operation]] : [];
    }),
  );

const gvkEquals = (op: Operation, gvk: { group: string; version: string; kind: string }) => {
  const ext = op["x-kubernetes-group-version-kind"];
  return ext.group === gvk.group && ext.version === gvk.version && ext.kind === gvk.kind;
};

/**
 * k8s.io/cli-runtime's supportsQueryParamV3: the first PATCH operation (in any
 * order) tagged with the GVK decides whether a query parameter is supported.
 * Checking every such operation covers every order Go's map iteration may pick.
 */
function fieldValidationSupport(
  doc: OpenAPIV3Document | undefined,
  gvk: { group: string; version: string; kind: string },
): boolean[] {
  return operations(doc)
    .filter(([method, , op]) => method === "patch" && gvkEquals(op, gvk))
    .map(([, , op]) => (op.parameters ?? []).some((p) => p.name === "fieldValidation" && p.in === "query"));
}

describe("openApiV3Root", () => {
  it("points at each served group/version's document by content hash", () => {
    const root = openApiV3Root();
    expect(Object.keys(root.paths)).toEqual(["api/v1", "apis/apps/v1", "apis/coordination.k8s.io/v1"]);
    for (const [key, { serverRelativeURL }] of Object.entries(root.paths)) {
      const [, group = "", version = ""] = key.startsWith("api/") ? ["", "", key.slice(4)] : key.split("/");
      const doc = openApiV3GroupVersion(group, version);
      expect(doc).toBeDefined();
      if (doc) expect(serverRelativeURL).toBe(`/openapi/v3/${key}?hash=${openApiV3Hash(doc)}`);
    }
    expect(openApiV3Root().paths["api/v1"]?.serverRelativeURL).toMatch(/\?hash=[0-9A-F]{128}$/);
  });
});

describe("openApiV3GroupVersion", () => {
  it("is an OpenAPI 3.0 document, undefined for unserved group/versions", () => {
    expect(openApiV3GroupVersion("", "v1")).toMatchObject({
      openapi: "3.0.0",
      info: { title: "Kubernetes" },
    });
    expect(openApiV3GroupVersion("batch", "v1")).toBeUndefined();
    expect(openApiV3Key("", "v1")).toBe("api/v1");
    expect(openApiV3Key("apps", "v1")).toBe("apis/apps/v1");
  });

  it("tells kubectl's verifier that every served kind supports fieldValidation", () => {
    for (const info of RESOURCES.filter((r) => r.verbs.includes("patch"))) {
      const doc = openApiV3GroupVersion(info.group, info.version);
      const support = fieldValidationSupport(doc, {
        group: info.group,
        version: info.version,
        kind: info.kind,
      });
      expect(support.length, apiVersionOf(info) + "/" + info.kind).toBeGreaterThan(0);
      expect(support.every(Boolean), info.kind).toBe(true);
    }
    expect(
      fieldValidationSupport(openApiV3GroupVersion("apps", "v1"), {
        group: "autoscaling",
        version: "v1",
        kind: "Scale",
      }),
    ).toEqual([true, true]);
  });

  it("declares dryRun, fieldManager and fieldValidation on every write", () => {
    for (const gv of [openApiV3GroupVersion("", "v1"), openApiV3GroupVersion("apps", "v1")]) {
      for (const [method, path, op] of operations(gv)) {
        if (method !== "post" && method !== "put" && method !== "patch") continue;
        const names = (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
        expect(names, `${method} ${path}`).toEqual(
          expect.arrayContaining(["dryRun", "fieldManager", "fieldValidation"]),
        );
      }
    }
  });

  it("never offers strategic merge patch, so kubectl apply uses its compiled-in types", () => {
    for (const [method, path, op] of operations(openApiV3GroupVersion("apps", "v1"))) {
      if (method !== "patch") continue;
      expect(Object.keys(op.requestBody?.content ?? {}), path).not.toContain(
        "application/strategic-merge-patch+json",
      );
    }
  });

  it("lays out paths and operation ids as Kubernetes does", () => {
    const core = openApiV3GroupVersion("", "v1");
    const apps = openApiV3GroupVersion("apps", "v1");
    const ids = new Map(
      [...operations(core), ...operations(apps)].map(([m, p, op]) => [op.operationId, `${m} ${p}`]),
    );
    expect(ids.get("listCoreV1NamespacedPod")).toBe("get /api/v1/namespaces/{namespace}/pods");
    expect(ids.get("listCoreV1PodForAllNamespaces")).toBe("get /api/v1/pods");
    expect(ids.get("createCoreV1NamespacedPod")).toBe("post /api/v1/namespaces/{namespace}/pods");
    expect(ids.get("deleteCoreV1CollectionNamespacedPod")).toBe("delete /api/v1/namespaces/{namespace}/pods");
    expect(ids.get("patchCoreV1NamespacedPodStatus")).toBe(
      "patch /api/v1/namespaces/{namespace}/pods/{name}/status",
    );
    expect(ids.get("createCoreV1NamespacedPodBinding")).toBe(
      "post /api/v1/namespaces/{namespace}/pods/{name}/binding",
    );
    expect(ids.get("readCoreV1NamespacedPodLog")).toBe("get /api/v1/namespaces/{namespace}/pods/{name}/log");
    expect(ids.get("readCoreV1Node")).toBe("get /api/v1/nodes/{name}");
    expect(ids.get("replaceCoreV1NamespaceFinalize")).toBe("put /api/v1/namespaces/{name}/finalize");
    expect(ids.get("patchAppsV1NamespacedDeploymentScale")).toBe(
      "patch /apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale",
    );
    // Namespaces have no deletecollection verb, so no such operation.
    expect(ids.has("deleteCoreV1CollectionNamespace")).toBe(false);
    const total = operations(core).length + operations(apps).length;
    expect(ids.size).toBe(total);
  });

  it("names every referenced schema in components", () => {
    for (const doc of [openApiV3GroupVersion("", "v1"), openApiV3GroupVersion("apps", "v1")]) {
      const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[\w.]+/g) ?? [];
      for (const ref of new Set(refs)) {
        expect(doc?.components.schemas, ref).toHaveProperty([ref.slice("#/components/schemas/".length)]);
      }
    }
    expect(
      openApiV3GroupVersion("apps", "v1")?.components.schemas["io.k8s.api.apps.v1.Deployment"],
    ).toMatchObject({
      "x-kubernetes-group-version-kind": [{ group: "apps", version: "v1", kind: "Deployment" }],
    });
  });
});
