import { describe, expect, it } from "vitest";
import { findResource, type ResourceInfo } from "@ktl/api";
import type { ApiObject } from "@ktl/client";
import { DeletedFinalStateUnknown, IndexedStore } from "@ktl/informers";
import { collectableResources } from "./controller.js";
import { DependencyGraph } from "./graph.js";
import { gcEventHandler } from "./handlers.js";
import { itemKey, ownerIdOf, parseItemKey } from "./identity.js";

const configmaps = findResource("", "configmaps")!;
const deployments = findResource("apps", "deployments")!;
const nodes = findResource("", "nodes")!;

function cm(name: string, meta: ApiObject["metadata"] = {}): ApiObject {
  return { metadata: { name, namespace: "ns", uid: `uid-${name}`, resourceVersion: "1", ...meta } };
}
const refTo = (name: string, kind = "ConfigMap", apiVersion = "v1") => ({
  apiVersion,
  kind,
  name,
  uid: `uid-${name}`,
});
const key = (info: ResourceInfo, name: string, namespace: string | undefined = "ns") =>
  itemKey({ info, namespace, name, uid: `uid-${name}` });

function fixture(cached: ApiObject[]) {
  const stores = new Map(collectableResources().map((info) => [info, new IndexedStore<ApiObject>()]));
  for (const obj of cached) stores.get(configmaps)!.add(obj);
  const graph = new DependencyGraph(stores);
  const queued: string[] = [];
  const handler = gcEventHandler(configmaps, graph, (k) => queued.push(k));
  return { stores, graph, queued, handler };
}

describe("item keys", () => {
  it("round-trip namespaced and cluster-scoped identities", () => {
    const id = { info: deployments, namespace: "ns", name: "web", uid: "u-1" };
    expect(itemKey(id)).toBe("apps/deployments/ns/web/u-1");
    expect(parseItemKey(itemKey(id))).toEqual(id);
    const node = { info: nodes, namespace: undefined, name: "n1", uid: "u-2" };
    expect(itemKey(node)).toBe("/nodes//n1/u-2");
    expect(parseItemKey(itemKey(node))).toEqual(node);
    expect(parseItemKey("ns/name")).toBeUndefined();
    expect(parseItemKey("nope/widgets/ns/n/u")).toBeUndefined();
  });

  it("place owners in the dependent's namespace, or none for cluster-scoped kinds", () => {
    expect(ownerIdOf(refTo("o"), { namespace: "ns" })).toMatchObject({ namespace: "ns", info: configmaps });
    expect(ownerIdOf(refTo("n", "Node"), { namespace: "ns" })).toMatchObject({ namespace: undefined });
    expect(ownerIdOf(refTo("o"), { namespace: undefined })).toBe("namespaced-owner-of-cluster-scoped-object");
    expect(ownerIdOf(refTo("w", "Widget", "example.com/v1"), { namespace: "ns" })).toBe("unknown-kind");
    expect(ownerIdOf(refTo("e", "Event"), { namespace: "ns" })).toBe("unknown-kind");
  });
});

describe("DependencyGraph", () => {
  it("finds dependents of every kind by owner uid, and objects by identity and uid", () => {
    const f = fixture([cm("owner"), cm("a", { ownerReferences: [refTo("owner")] })]);
    f.stores.get(deployments)!.add({
      metadata: { name: "d", namespace: "ns", uid: "uid-d", ownerReferences: [refTo("owner")] },
    });
    expect(
      f.graph
        .dependents("uid-owner")
        .map((n) => `${n.id.info.resource}/${n.id.name}`)
        .sort(),
    ).toEqual(["configmaps/a", "deployments/d"]);
    expect(f.graph.hasDependents("uid-owner")).toBe(true);
    expect(f.graph.hasDependents("uid-a")).toBe(false);
    expect(f.graph.get({ info: configmaps, namespace: "ns", name: "owner", uid: "uid-owner" })).toBeDefined();
    expect(f.graph.get({ info: configmaps, namespace: "ns", name: "owner", uid: "other" })).toBeUndefined();
  });
});

describe("gcEventHandler", () => {
  it("queues objects with owners or collector finalizers, not others", () => {
    const f = fixture([]);
    f.handler.onAdd?.(cm("plain"));
    f.handler.onAdd?.(cm("owned", { ownerReferences: [refTo("o")] }));
    f.handler.onAdd?.(cm("orphaning", { deletionTimestamp: "t", finalizers: ["orphan"] }));
    f.handler.onAdd?.(cm("foreground", { deletionTimestamp: "t", finalizers: ["foregroundDeletion"] }));
    f.handler.onAdd?.(cm("not-yet-deleting", { finalizers: ["foregroundDeletion"] }));
    expect(f.queued).toEqual([
      key(configmaps, "owned"),
      key(configmaps, "orphaning"),
      key(configmaps, "foreground"),
    ]);
  });

  it("drops resyncs", () => {
    const f = fixture([]);
    const owned = cm("owned", { ownerReferences: [refTo("o")] });
    f.handler.onUpdate?.(owned, owned);
    expect(f.queued).toEqual([]);
  });

  it("queues a waiting owner when a dependent stops referencing it", () => {
    const owner = cm("owner", { deletionTimestamp: "t", finalizers: ["foregroundDeletion"] });
    const f = fixture([owner]);
    const before = cm("dep", { ownerReferences: [{ ...refTo("owner"), blockOwnerDeletion: true }] });
    const after = cm("dep", { resourceVersion: "2", ownerReferences: [] });
    f.handler.onUpdate?.(before, after);
    expect(f.queued).toEqual([key(configmaps, "owner")]);
  });

  it("on a delete, queues the dependents and the owners being deleted", () => {
    const waiting = cm("waiting", { deletionTimestamp: "t", finalizers: ["foregroundDeletion"] });
    const f = fixture([
      waiting,
      cm("alive"),
      cm("child-1", { ownerReferences: [refTo("gone")] }),
      cm("child-2", { ownerReferences: [refTo("gone"), refTo("alive")] }),
    ]);
    const gone = cm("gone", { ownerReferences: [refTo("waiting"), refTo("alive")] });
    f.handler.onDelete?.(new DeletedFinalStateUnknown("ns/gone", gone));
    expect(f.queued.sort()).toEqual(
      [key(configmaps, "child-1"), key(configmaps, "child-2"), key(configmaps, "waiting")].sort(),
    );
  });
});
