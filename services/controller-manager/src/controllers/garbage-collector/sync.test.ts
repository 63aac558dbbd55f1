import { describe, expect, it } from "vitest";
import { findResource, type DeleteOptions, type OwnerReference, type ResourceInfo } from "@ktl/api";
import { conflict } from "@ktl/apimachinery";
import { FakeApiClient, type ApiObject } from "@ktl/client";
import { IndexedStore } from "@ktl/informers";
import { collectableResources } from "./controller.js";
import { DependencyGraph } from "./graph.js";
import { itemKey, type ObjectId } from "./identity.js";
import { GarbageCollector } from "./sync.js";

const configmaps = findResource("", "configmaps")!;
const pods = findResource("", "pods")!;
const replicasets = findResource("apps", "replicasets")!;
const deployments = findResource("apps", "deployments")!;
const nodes = findResource("", "nodes")!;

/** FakeApiClient records no delete options; this one does. */
class Client extends FakeApiClient {
  readonly deletes: { name: string; options: DeleteOptions }[] = [];
  override delete<T extends ApiObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<T> {
    this.deletes.push({ name, options });
    return super.delete<T>(info, namespace, name);
  }
}

const apiVersionOf = (info: ResourceInfo) => (info.group ? `${info.group}/${info.version}` : info.version);

/** An object of `info` in namespace "ns" (unless cluster-scoped) whose uid is "uid-<name>". */
function make(info: ResourceInfo, name: string, meta: ApiObject["metadata"] = {}): [ResourceInfo, ApiObject] {
  return [
    info,
    {
      apiVersion: apiVersionOf(info),
      kind: info.kind,
      metadata: {
        name,
        ...(info.namespaced ? { namespace: "ns" } : {}),
        uid: `uid-${name}`,
        resourceVersion: "7",
        ...meta,
      },
    },
  ];
}

function ref(info: ResourceInfo, name: string, extra: Partial<OwnerReference> = {}): OwnerReference {
  return { apiVersion: apiVersionOf(info), kind: info.kind, name, uid: `uid-${name}`, ...extra };
}

const MARKED = { deletionTimestamp: "2024-01-01T00:00:00Z" };

/**
 * The cluster is `live` (in the fake apiserver); the caches hold `cached`
 * (by default the same objects): a difference between them is a lagging watch.
 */
function fixture(live: [ResourceInfo, ApiObject][], cached = live) {
  const client = new Client();
  for (const [info, obj] of live) client.seed(info, obj);
  const stores = new Map(collectableResources().map((info) => [info, new IndexedStore<ApiObject>()]));
  for (const [info, obj] of cached) stores.get(info)!.add(obj);
  const graph = new DependencyGraph(stores);
  const queued: string[] = [];
  const gc = new GarbageCollector({
    client,
    graph,
    enqueue: (k) => queued.push(k),
    log: { info: () => {}, warn: () => {}, error: () => {} },
  });
  const key = (info: ResourceInfo, name: string) =>
    itemKey({ info, namespace: info.namespaced ? "ns" : undefined, name, uid: `uid-${name}` } as ObjectId);
  const gets = () => client.actions.filter((a) => a.verb === "get").map((a) => a.name);
  const uncache = (info: ResourceInfo, name: string) =>
    stores.get(info)!.delete(info.namespaced ? `ns/${name}` : name);
  return { client, stores, gc, queued, key, gets, uncache };
}

describe("GarbageCollector: dependents of absent owners (background)", () => {
  it("deletes a dependent whose owner is gone, once a live GET confirms it", async () => {
    const f = fixture([make(configmaps, "dep", { ownerReferences: [ref(configmaps, "owner")] })]);
    await f.gc.reconcile(f.key(configmaps, "dep"));
    expect(f.gets()).toEqual(["owner"]);
    expect(f.client.deletes).toEqual([
      {
        name: "dep",
        options: { propagationPolicy: "Background", preconditions: { uid: "uid-dep", resourceVersion: "7" } },
      },
    ]);
  });

  it("treats an owner under the same name with another uid as gone", async () => {
    const f = fixture([
      make(configmaps, "owner", { uid: "uid-new-owner" }),
      make(configmaps, "dep", { ownerReferences: [ref(configmaps, "owner")] }),
    ]);
    await f.gc.reconcile(f.key(configmaps, "dep"));
    expect(f.client.deletes.map((d) => d.name)).toEqual(["dep"]);
  });

  it("keeps a dependent whose owner is cached, without asking the apiserver", async () => {
    const f = fixture([
      make(replicasets, "owner"),
      make(pods, "dep", { ownerReferences: [ref(replicasets, "owner", { controller: true })] }),
    ]);
    await f.gc.reconcile(f.key(pods, "dep"));
    expect(f.client.actions).toEqual([]);
  });

  it("keeps a dependent whose owner exists but is not cached yet (a virtual node)", async () => {
    const live = [
      make(configmaps, "owner"),
      make(configmaps, "dep", { ownerReferences: [ref(configmaps, "owner")] }),
    ];
    const f = fixture(live, live.slice(1));
    await f.gc.reconcile(f.key(configmaps, "dep"));
    expect(f.gets()).toEqual(["owner"]);
    expect(f.client.writes()).toEqual([]);
  });

  it("remembers absent owners: one GET for many dependents", async () => {
    const deps = ["a", "b", "c"].map((n) =>
      make(configmaps, n, { ownerReferences: [ref(configmaps, "gone")] }),
    );
    const f = fixture(deps);
    for (const n of ["a", "b", "c"]) await f.gc.reconcile(f.key(configmaps, n));
    expect(f.gets()).toEqual(["gone"]);
    expect(f.client.deletes.map((d) => d.name)).toEqual(["a", "b", "c"]);
  });

  it("never deletes a dependent with another live owner; drops the dangling reference instead", async () => {
    const f = fixture([
      make(deployments, "alive"),
      make(configmaps, "dep", { ownerReferences: [ref(configmaps, "gone"), ref(deployments, "alive")] }),
    ]);
    await f.gc.reconcile(f.key(configmaps, "dep"));
    expect(f.client.deletes).toEqual([]);
    expect(f.client.writes().map((w) => [w.verb, w.patch])).toEqual([
      ["patch", { metadata: { ownerReferences: [{ $patch: "delete", uid: "uid-gone" }] } }],
    ]);
    expect(f.client.stored<ApiObject>(configmaps, "ns", "dep")?.metadata?.ownerReferences).toEqual([
      ref(deployments, "alive"),
    ]);
  });

  it("looks cluster-scoped owners up without a namespace", async () => {
    const f = fixture([
      make(nodes, "node-1"),
      make(configmaps, "dep", { ownerReferences: [ref(nodes, "node-1")] }),
    ]);
    f.uncache(nodes, "node-1");
    await f.gc.reconcile(f.key(configmaps, "dep"));
    expect(f.client.actions).toEqual([
      { verb: "get", resource: "nodes", namespace: undefined, name: "node-1" },
    ]);
  });

  it("never deletes because of a reference it cannot check", async () => {
    const f = fixture([
      make(configmaps, "dep", {
        ownerReferences: [{ apiVersion: "example.com/v1", kind: "Widget", name: "w", uid: "uid-w" }],
      }),
      make(nodes, "cluster-scoped", { ownerReferences: [ref(configmaps, "namespaced-owner")] }),
    ]);
    await f.gc.reconcile(f.key(configmaps, "dep"));
    await f.gc.reconcile(f.key(nodes, "cluster-scoped"));
    expect(f.client.actions).toEqual([]);
  });

  it("honours a finalizer the dependent already carries when choosing the policy", async () => {
    const f = fixture([
      make(configmaps, "dep", { ownerReferences: [ref(configmaps, "gone")], finalizers: ["orphan"] }),
    ]);
    await f.gc.reconcile(f.key(configmaps, "dep"));
    expect(f.client.deletes[0]?.options.propagationPolicy).toBe("Orphan");
  });

  it("leaves objects being deleted, without owners, or no longer cached", async () => {
    const f = fixture([
      make(configmaps, "terminating", { ...MARKED, ownerReferences: [ref(configmaps, "gone")] }),
      make(configmaps, "free"),
    ]);
    await f.gc.reconcile(f.key(configmaps, "terminating"));
    await f.gc.reconcile(f.key(configmaps, "free"));
    await f.gc.reconcile(f.key(configmaps, "never-seen"));
    await f.gc.reconcile("not/a/key");
    expect(f.client.actions).toEqual([]);
  });

  it("fails (to be retried) when the apiserver refuses the delete's preconditions", async () => {
    const f = fixture([make(configmaps, "dep", { ownerReferences: [ref(configmaps, "gone")] })]);
    f.client.react((a) =>
      a.verb === "delete" ? conflict(configmaps, "dep", "precondition failed") : undefined,
    );
    await expect(f.gc.reconcile(f.key(configmaps, "dep"))).rejects.toThrow(/precondition failed/);
  });
});

describe("GarbageCollector: foreground deletion", () => {
  const owner = make(deployments, "owner", { ...MARKED, finalizers: ["foregroundDeletion"] });
  const blocking = (name: string, meta: ApiObject["metadata"] = {}) =>
    make(replicasets, name, {
      ownerReferences: [ref(deployments, "owner", { blockOwnerDeletion: true })],
      ...meta,
    });

  it("queues the owner's dependents and keeps it while blocking ones exist", async () => {
    const f = fixture([
      owner,
      blocking("rs-1"),
      blocking("rs-2", MARKED), // on its way already
      make(configmaps, "loose", { ownerReferences: [ref(deployments, "owner")] }),
    ]);
    await f.gc.reconcile(f.key(deployments, "owner"));
    expect(f.client.actions).toEqual([]);
    expect(f.queued.sort()).toEqual([f.key(configmaps, "loose"), f.key(replicasets, "rs-1")].sort());
  });

  it("deletes a dependent of a waiting owner: Background without, Foreground with dependents of its own", async () => {
    const f = fixture([
      owner,
      blocking("leaf"),
      blocking("parent"),
      make(pods, "pod", { ownerReferences: [ref(replicasets, "parent", { blockOwnerDeletion: true })] }),
    ]);
    await f.gc.reconcile(f.key(replicasets, "leaf"));
    await f.gc.reconcile(f.key(replicasets, "parent"));
    expect(f.client.deletes.map((d) => [d.name, d.options.propagationPolicy])).toEqual([
      ["leaf", "Background"],
      ["parent", "Foreground"],
    ]);
  });

  it("does not delete a dependent that also has a solid owner, but stops it blocking the waiting one", async () => {
    const f = fixture([
      owner,
      make(deployments, "other"),
      make(replicasets, "shared", {
        ownerReferences: [ref(deployments, "owner", { blockOwnerDeletion: true }), ref(deployments, "other")],
      }),
    ]);
    await f.gc.reconcile(f.key(replicasets, "shared"));
    expect(f.client.deletes).toEqual([]);
    expect(f.client.writes().map((w) => w.patch)).toEqual([
      { metadata: { ownerReferences: [{ $patch: "delete", uid: "uid-owner" }] } },
    ]);
    expect(f.client.stored<ApiObject>(replicasets, "ns", "shared")?.metadata?.ownerReferences).toEqual([
      ref(deployments, "other"),
    ]);
  });

  it("removes the finalizer once no blocking dependent is left, with the cached resourceVersion", async () => {
    const f = fixture([owner, make(configmaps, "loose", { ownerReferences: [ref(deployments, "owner")] })]);
    await f.gc.reconcile(f.key(deployments, "owner"));
    expect(f.client.writes().map((w) => [w.verb, w.name, w.patch])).toEqual([
      ["patch", "owner", { metadata: { resourceVersion: "7", finalizers: [] } }],
    ]);
    expect(f.client.stored<ApiObject>(deployments, "ns", "owner")?.metadata?.finalizers).toEqual([]);
  });

  it("breaks a cycle of blocking references before deleting in the foreground", async () => {
    const f = fixture([
      owner,
      blocking("middle"),
      make(pods, "waiting-child", {
        ...MARKED,
        finalizers: ["foregroundDeletion"],
        ownerReferences: [ref(replicasets, "middle", { blockOwnerDeletion: true })],
      }),
    ]);
    await f.gc.reconcile(f.key(replicasets, "middle"));
    expect(f.client.writes().map((w) => [w.verb, w.patch ?? null])).toEqual([
      ["patch", { metadata: { ownerReferences: [{ uid: "uid-owner", blockOwnerDeletion: false }] } }],
      ["delete", null],
    ]);
    expect(f.client.deletes[0]?.options.propagationPolicy).toBe("Foreground");
  });
});

describe("GarbageCollector: orphan deletion", () => {
  it("removes the owner from every dependent's references, then the finalizer", async () => {
    const f = fixture([
      make(deployments, "owner", { ...MARKED, finalizers: ["orphan"] }),
      make(deployments, "other"),
      make(replicasets, "rs", { ownerReferences: [ref(deployments, "owner", { controller: true })] }),
      make(configmaps, "cm", { ownerReferences: [ref(deployments, "owner"), ref(deployments, "other")] }),
    ]);
    await f.gc.reconcile(f.key(deployments, "owner"));
    expect(f.client.deletes).toEqual([]);
    expect(f.client.stored<ApiObject>(replicasets, "ns", "rs")?.metadata?.ownerReferences).toEqual([]);
    expect(f.client.stored<ApiObject>(configmaps, "ns", "cm")?.metadata?.ownerReferences).toEqual([
      ref(deployments, "other"),
    ]);
    const last = f.client.writes().at(-1);
    expect([last?.name, last?.patch]).toEqual([
      "owner",
      { metadata: { resourceVersion: "7", finalizers: [] } },
    ]);
  });

  it("keeps the finalizer when a dependent could not be orphaned", async () => {
    const f = fixture([
      make(deployments, "owner", { ...MARKED, finalizers: ["orphan"] }),
      make(replicasets, "rs", { ownerReferences: [ref(deployments, "owner")] }),
    ]);
    f.client.react((a) => (a.verb === "patch" && a.name === "rs" ? new Error("boom") : undefined));
    await expect(f.gc.reconcile(f.key(deployments, "owner"))).rejects.toThrow(/orphaning 1 of 1 .* boom/);
    expect(f.client.stored<ApiObject>(deployments, "ns", "owner")?.metadata?.finalizers).toEqual(["orphan"]);
  });
});
