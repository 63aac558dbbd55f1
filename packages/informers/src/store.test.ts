import { describe, expect, it } from "vitest";
import type { Node, Pod } from "@ktl/api";
import { DeletedFinalStateUnknown, IndexedStore, finalState, keyOf, splitKey } from "./store.js";

function pod(
  name: string,
  extra: { ns?: string; labels?: Record<string, string>; node?: string; owners?: string[] } = {},
): Pod {
  return {
    metadata: {
      name,
      namespace: extra.ns ?? "default",
      uid: `uid-${name}`,
      resourceVersion: "1",
      labels: extra.labels,
      ownerReferences: extra.owners?.map((uid) => ({
        uid,
        kind: "ReplicaSet",
        name: "rs",
        controller: true,
      })),
    },
    spec: { nodeName: extra.node, containers: [{ name: "c", image: "busybox" }] },
  };
}

const names = (objs: readonly { metadata?: { name?: string } }[]): string[] =>
  objs.map((o) => o.metadata?.name ?? "").sort();

describe("keys", () => {
  it("are namespace/name, or name for cluster-scoped objects, and split back", () => {
    expect(keyOf(pod("a", { ns: "ns1" }))).toBe("ns1/a");
    const node: Node = { metadata: { name: "n1" } };
    expect(keyOf(node)).toBe("n1");
    expect(keyOf(new DeletedFinalStateUnknown("ns1/gone", pod("gone")))).toBe("ns1/gone");
    expect(splitKey("ns1/a")).toEqual({ namespace: "ns1", name: "a" });
    expect(splitKey("n1")).toEqual({ namespace: undefined, name: "n1" });
    expect(() => splitKey("a/b/c")).toThrow(/unexpected key/);
    expect(() => splitKey("/a")).toThrow(/unexpected key/);
    expect(() => keyOf({ metadata: {} })).toThrow(/no metadata.name/);
  });

  it("finalState unwraps tombstones", () => {
    const p = pod("a");
    expect(finalState<Pod>(p)).toBe(p);
    expect(finalState<Pod>(new DeletedFinalStateUnknown("default/a", p))).toBe(p);
  });
});

describe("IndexedStore", () => {
  it("adds, updates, deletes and lists by key", () => {
    const store = new IndexedStore<Pod>();
    store.add(pod("a"));
    store.add(pod("b", { ns: "other" }));
    expect(store.size).toBe(2);
    expect(store.get("default/a")?.metadata?.name).toBe("a");
    expect(store.has("other/b")).toBe(true);
    expect(store.listKeys().sort()).toEqual(["default/a", "other/b"]);

    const updated = { ...pod("a"), metadata: { ...pod("a").metadata, resourceVersion: "2" } };
    store.update(updated);
    expect(store.get("default/a")).toBe(updated);
    store.delete(updated);
    store.delete("other/b");
    store.delete("never/there");
    expect(store.size).toBe(0);
  });

  it("answers the built-in indexes and keeps them in step with writes", () => {
    const store = new IndexedStore<Pod>();
    store.add(pod("a", { labels: { app: "web", tier: "fe" }, node: "n1", owners: ["rs1"] }));
    store.add(pod("b", { labels: { app: "web" }, node: "n2", owners: ["rs1", "rs2"] }));
    store.add(pod("c", { ns: "other", labels: { app: "db" } }));

    expect(names(store.listByIndex("byNamespace", "default"))).toEqual(["a", "b"]);
    expect(names(store.listByIndex("byOwnerUid", "rs1"))).toEqual(["a", "b"]);
    expect(names(store.listByIndex("byOwnerUid", "rs2"))).toEqual(["b"]);
    expect(names(store.listByIndex("byNodeName", "n1"))).toEqual(["a"]);
    expect(names(store.byLabel("app", "web"))).toEqual(["a", "b"]);
    expect(names(store.byLabel("tier", "fe"))).toEqual(["a"]);
    expect(store.indexKeys("byNodeName", "n2")).toEqual(["default/b"]);
    expect(store.indexValues("byNodeName").sort()).toEqual(["n1", "n2"]);

    // Moving a pod to another node and relabelling it moves it in the indexes.
    store.update(pod("a", { labels: { app: "db" }, node: "n2" }));
    expect(names(store.listByIndex("byNodeName", "n1"))).toEqual([]);
    expect(store.indexValues("byNodeName")).toEqual(["n2"]);
    expect(names(store.listByIndex("byNodeName", "n2"))).toEqual(["a", "b"]);
    expect(names(store.byLabel("app", "db"))).toEqual(["a", "c"]);
    expect(names(store.listByIndex("byOwnerUid", "rs1"))).toEqual(["b"]);

    store.delete("default/b");
    expect(names(store.listByIndex("byOwnerUid", "rs1"))).toEqual([]);
    expect(store.indexValues("byOwnerUid")).toEqual([]);
  });

  it("refuses unknown and duplicate index names", () => {
    const store = new IndexedStore<Pod>();
    expect(() => store.listByIndex("byColour", "red")).toThrow(/does not exist/);
    expect(() => store.addIndexers({ byNamespace: () => [] })).toThrow(/already exists/);
  });

  it("indexes existing objects when an indexer is added later", () => {
    const store = new IndexedStore<Pod>({
      byImage: (p) => (p.spec?.containers ?? []).map((c) => c.image ?? ""),
    });
    store.add(pod("a"));
    store.addIndexers({ byPhase: (p) => [p.status?.phase ?? "Pending"] });
    expect(names(store.listByIndex("byPhase", "Pending"))).toEqual(["a"]);
    expect(names(store.listByIndex("byImage", "busybox"))).toEqual(["a"]);
  });

  it("replace swaps the whole content and its indexes", () => {
    const store = new IndexedStore<Pod>();
    store.add(pod("a", { node: "n1" }));
    store.replace([pod("b", { node: "n2" })], "42");
    expect(store.listKeys()).toEqual(["default/b"]);
    expect(store.indexValues("byNodeName")).toEqual(["n2"]);
    expect(store.resourceVersion).toBe("42");
  });

  it("hands out read-only objects", () => {
    const store = new IndexedStore<Pod>();
    store.add(pod("a"));
    const cached = store.get("default/a");
    // @ts-expect-error cached objects are read-only
    if (cached?.metadata) cached.metadata.name = "b";
    // @ts-expect-error nested arrays too
    cached?.spec?.containers?.push({ name: "x" });
  });
});
