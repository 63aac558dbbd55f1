/**
 * Group commit of updates (storage/group-commit.ts) against a real etcd, and
 * pods/binding through it on a real apiserver: batched updates keep each
 * update's own precondition and answer (success, 409, 404), every object
 * still gets its own watch event and a new resourceVersion.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Etcd3 } from "etcd3";
import { findResource, type Pod } from "@ktl/api";
import { isConflict, isNotFound } from "@ktl/apimachinery";
import { ApiClient } from "@ktl/client";
import { Store } from "../../../services/apiserver/src/storage/store.js";
import { KeySpace } from "../../../services/apiserver/src/storage/keys.js";
import type { KubeObject } from "../../../services/apiserver/src/storage/object.js";
import { useApiserver } from "../cluster.js";

const PODS = findResource("", "pods")!;
const NAMESPACES = findResource("", "namespaces")!;
const cluster = useApiserver();

const pod = (name: string, namespace = "gc"): KubeObject => ({
  metadata: { name, namespace, uid: `uid-${name}` },
  spec: { containers: [{ name: "c", image: "busybox" }] },
});
const withNode = (obj: KubeObject, nodeName: string): KubeObject => ({
  ...obj,
  spec: { ...(obj.spec as object), nodeName },
});

/** Settles every promise; the outcome of each, in order. */
async function outcomes<T>(promises: Promise<T>[]): Promise<("ok" | "conflict" | "notfound" | unknown)[]> {
  return Promise.all(
    promises.map((p) =>
      p.then(
        () => "ok",
        (err: unknown) => (isConflict(err) ? "conflict" : isNotFound(err) ? "notfound" : err),
      ),
    ),
  );
}

describe("group commit against etcd", () => {
  let etcd: Etcd3;
  let store: Store;
  beforeAll(() => {
    etcd = new Etcd3({ hosts: cluster.etcd.endpoint });
    store = new Store(etcd, new KeySpace("/gc-test"));
  });
  afterAll(() => etcd?.close());

  it("commits concurrent updates of different keys together, one watch event each", async () => {
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) => store.create(PODS, pod(`a-${i}`))),
    );
    const events: string[] = [];
    const watcher = await etcd.watch().prefix("/gc-test/").create();
    watcher.on("put", (kv) => events.push(kv.key.toString()));
    const before = { ...store.groupCommit.stats };
    const written = await Promise.all(
      created.map((c) => store.groupCommit.update(PODS, withNode(c.obj, "n1"), c.rev)),
    );
    expect(store.groupCommit.stats.batches).toBeGreaterThan(before.batches);
    for (const [i, w] of written.entries()) {
      expect(w.rev).toBeGreaterThan(created[i]!.rev);
      expect(w.obj.metadata?.resourceVersion).toBe(String(w.rev));
      const stored = await store.get(PODS, "gc", `a-${i}`);
      expect((stored?.obj.spec as { nodeName?: string }).nodeName).toBe("n1");
      expect(stored?.rev).toBe(w.rev);
    }
    await expect.poll(() => events.length).toBe(40);
    expect(new Set(events).size).toBe(40);
    await watcher.cancel();
  });

  it("gives each update of a failed batch its own answer: conflict, not found, success", async () => {
    const created = await Promise.all(Array.from({ length: 6 }, (_, i) => store.create(PODS, pod(`b-${i}`))));
    // b-0 moves before the batch, so its update's precondition fails; b-5 is gone.
    const moved = await store.update(PODS, withNode(created[0]!.obj, "elsewhere"), created[0]!.rev);
    await store.delete(PODS, "gc", "b-5", created[5]!.rev);
    const before = store.groupCommit.stats.fallbacks;
    const results = await outcomes(
      created.map((c) => store.groupCommit.update(PODS, withNode(c.obj, "n2"), c.rev)),
    );
    expect(results).toEqual(["conflict", "ok", "ok", "ok", "ok", "notfound"]);
    expect(store.groupCommit.stats.fallbacks).toBeGreaterThan(before);
    expect((await store.get(PODS, "gc", "b-0"))?.rev).toBe(moved.rev);
    for (let i = 1; i < 5; i++)
      expect(((await store.get(PODS, "gc", `b-${i}`))?.obj.spec as { nodeName?: string }).nodeName).toBe(
        "n2",
      );
  });

  it("lets only one of two concurrent updates of the same key win", async () => {
    const c = await store.create(PODS, pod("c-0"));
    const other = await store.create(PODS, pod("c-1"));
    const results = await outcomes([
      store.groupCommit.update(PODS, withNode(c.obj, "x"), c.rev),
      store.groupCommit.update(PODS, withNode(other.obj, "x"), other.rev),
      store.groupCommit.update(PODS, withNode(c.obj, "y"), c.rev),
    ]);
    expect(results).toEqual(["ok", "ok", "conflict"]);
    expect(((await store.get(PODS, "gc", "c-0"))?.obj.spec as { nodeName?: string }).nodeName).toBe("x");
  });
});

describe("pods/binding under concurrency", () => {
  let client: ApiClient;
  beforeAll(async () => {
    client = new ApiClient(cluster.apiserver.grpcAddress);
    await client.create(NAMESPACES, undefined, { metadata: { name: "bind" } });
  });
  afterAll(() => client?.close());

  it("binds each pod once: racing bindings get 409, a missing pod 404, one MODIFIED event per pod", async () => {
    const n = 150;
    for (let i = 0; i < n; i += 50)
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          client.create<Pod>(PODS, "bind", {
            metadata: { name: `p-${i + j}` },
            spec: { containers: [{ name: "c", image: "busybox" }] },
          }),
        ),
      );
    const rv = (await client.list(PODS, "bind", { limit: 1 })).metadata.resourceVersion;
    const abort = new AbortController();
    const modified = new Map<string, number>();
    const watching = (async () => {
      for await (const ev of client.watch<Pod>(PODS, "bind", { resourceVersion: rv }, abort.signal)) {
        const name = ev.object.metadata?.name ?? "";
        if (ev.type === "MODIFIED") modified.set(name, (modified.get(name) ?? 0) + 1);
      }
    })().catch(() => undefined);
    const bindings = Array.from({ length: n }, (_, i) => [
      client.bind("bind", `p-${i}`, "node-a"),
      client.bind("bind", `p-${i}`, "node-b"),
    ]).flat();
    const results = await outcomes([...bindings, client.bind("bind", "missing", "node-a")]);
    expect(results.at(-1)).toBe("notfound");
    const winners: string[] = [];
    for (let i = 0; i < n; i++) {
      const pair = results.slice(2 * i, 2 * i + 2);
      expect([...pair].sort()).toEqual(["conflict", "ok"]);
      winners.push(pair[0] === "ok" ? "node-a" : "node-b");
    }
    const pods = (await client.list<Pod>(PODS, "bind")).items;
    const rvs = new Set<string>();
    for (const p of pods) {
      const i = Number(p.metadata?.name?.slice(2));
      expect(p.spec?.nodeName).toBe(winners[i]);
      expect(p.status?.conditions?.find((c) => c.type === "PodScheduled")?.status).toBe("True");
      expect(Number(p.metadata?.resourceVersion)).toBeGreaterThan(Number(rv));
      rvs.add(p.metadata?.resourceVersion ?? "");
    }
    // Bindings were committed in shared transactions (fewer revisions than pods).
    expect(rvs.size).toBeLessThan(n);
    await expect.poll(() => modified.size, { timeout: 10_000 }).toBe(n);
    abort.abort();
    await watching;
    expect([...modified.values()].every((count) => count === 1)).toBe(true);
  });
});
