import { afterEach, describe, expect, it, vi } from "vitest";
import type { Pod, ReplicaSet } from "@ktl/api";
import { FakeApiClient } from "@ktl/client";
import { FakeListerWatcher, SharedInformer, silentLogger, type FakeWatch } from "@ktl/informers";
import { RateLimitingWorkQueue } from "@ktl/workqueue";
import { ReplicaSetController } from "./controller.js";
import { PODS, REPLICA_SETS } from "./pod-control.js";

const until = (check: () => void): Promise<void> => vi.waitFor(check, { interval: 2, timeout: 3000 });
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

const rs = (rv: string, replicas = 2): ReplicaSet => ({
  metadata: { name: "web", namespace: "ns", uid: "rs-uid", resourceVersion: rv, generation: 1 },
  spec: {
    replicas,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "x" }] } },
  },
});

const owner = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "rs-uid", controller: true };

const pod = (name: string, rv: string, extra: Partial<NonNullable<Pod["metadata"]>> = {}): Pod => ({
  metadata: {
    name,
    namespace: "ns",
    uid: `uid-${name}`,
    resourceVersion: rv,
    labels: { app: "web" },
    ownerReferences: [owner],
    ...extra,
  },
  spec: { containers: [{ name: "c", image: "x" }] },
  status: { phase: "Pending" },
});

let abort: AbortController;
afterEach(() => abort?.abort());

async function setup(initial: { replicaSets?: ReplicaSet[]; pods?: Pod[] } = {}) {
  abort = new AbortController();
  const rsSource = new FakeListerWatcher<ReplicaSet>({ items: initial.replicaSets ?? [] });
  const podSource = new FakeListerWatcher<Pod>({ items: initial.pods ?? [] });
  const options = { logger: silentLogger, watchIdleTimeoutMs: 0 };
  const replicaSets = new SharedInformer<ReplicaSet>(rsSource, options);
  const pods = new SharedInformer<Pod>(podSource, options);
  const client = new FakeApiClient();
  const queue = new RateLimitingWorkQueue<string>({ name: "test" });
  const controller = new ReplicaSetController({ client, replicaSets, pods, queue, log: silent });
  void replicaSets.start(abort.signal);
  void pods.start(abort.signal);
  await replicaSets.waitForSync(abort.signal);
  await pods.waitForSync(abort.signal);
  const rsWatch: FakeWatch<ReplicaSet> = await rsSource.watchAt(0);
  const podWatch: FakeWatch<Pod> = await podSource.watchAt(0);
  /** Takes every key queued so far. */
  const drain = async (): Promise<string[]> => {
    const keys: string[] = [];
    while (queue.len() > 0) {
      const key = await queue.get();
      if (key === undefined) break;
      keys.push(key);
      queue.done(key);
    }
    return keys;
  };
  return { client, controller, queue, rsWatch, podWatch, drain };
}

describe("ReplicaSetController handlers", () => {
  it("enqueue the owning ReplicaSet's key and observe expected creations and deletions", async () => {
    const { controller, queue, podWatch, drain } = await setup({ replicaSets: [rs("1")] });
    await until(() => expect(queue.len()).toBe(1));
    expect(await drain()).toEqual(["ns/web"]);

    controller.expectations.expect("ns/web", 2);
    podWatch.added(pod("a", "2"));
    await until(() => expect(controller.expectations.pending("ns/web")).toEqual({ adds: 1, deletes: 0 }));
    expect(await drain()).toEqual(["ns/web"]);

    controller.expectations.expect("ns/web", 0, ["uid-a", "uid-b"]);
    // Graceful deletion starting counts as the deletion.
    podWatch.modified(pod("a", "3", { deletionTimestamp: "2024-01-01T00:00:00Z" }));
    await until(() => expect(controller.expectations.pending("ns/web")?.deletes).toBe(1));
    podWatch.added(pod("b", "4")).deleted(pod("b", "5"));
    await until(() => expect(controller.expectations.satisfied("ns/web")).toBe(true));
    expect(await drain()).toEqual(["ns/web"]);
  });

  it("wake matching ReplicaSets for orphans, and both owners when the controller changes", async () => {
    const { queue, podWatch, drain } = await setup({
      replicaSets: [rs("1"), { ...rs("1"), metadata: { name: "db", namespace: "ns", uid: "db-uid" } }],
    });
    await until(() => expect(queue.len()).toBe(2));
    await drain();

    podWatch.added(pod("orphan", "2", { ownerReferences: [] }));
    await until(() => expect(queue.len()).toBe(2)); // both select app=web
    expect((await drain()).sort()).toEqual(["ns/db", "ns/web"]);

    podWatch.added(pod("unlabelled", "3", { ownerReferences: [], labels: { app: "other" } }));
    podWatch.modified(pod("owned", "4"));
    podWatch.modified(pod("owned", "5", { ownerReferences: [{ ...owner, name: "db", uid: "db-uid" }] }));
    await until(() => expect(queue.len()).toBe(2));
    expect((await drain()).sort()).toEqual(["ns/db", "ns/web"]);
  });

  it("ignore pod resyncs and pods of unknown owners", async () => {
    const { queue, podWatch, drain } = await setup({ replicaSets: [rs("1")], pods: [pod("a", "2")] });
    await until(() => expect(queue.len()).toBe(1));
    await drain();
    podWatch.modified(pod("a", "2")); // same resourceVersion: dropped by the informer itself
    podWatch.added(pod("stranger", "3", { ownerReferences: [{ ...owner, uid: "gone" }] }));
    podWatch.bookmark("4");
    await new Promise((r) => setTimeout(r, 50));
    expect(queue.len()).toBe(0);
  });

  it("forget the expectations of a deleted ReplicaSet", async () => {
    const { controller, rsWatch, queue, drain } = await setup({ replicaSets: [rs("1")] });
    controller.expectations.expect("ns/web", 3);
    rsWatch.deleted(rs("2"));
    await until(() => expect(controller.expectations.pending("ns/web")).toBeUndefined());
    await until(() => expect(queue.len()).toBe(1));
    expect(await drain()).toEqual(["ns/web"]);
  });
});

describe("ReplicaSetController end to end with fakes", () => {
  it("never creates extra pods while the watch lags behind its creates", async () => {
    const { client, controller, rsWatch, podWatch } = await setup({ replicaSets: [rs("1", 3)] });
    client.seed(REPLICA_SETS, rs("1", 3));
    const run = controller.run(abort.signal, 2);

    await until(() => expect(client.writes().filter((a) => a.verb === "create")).toHaveLength(3));
    // The ReplicaSet changes a few times (its own status write, say) before any pod shows up.
    for (const rv of ["10", "11", "12"]) rsWatch.modified(rs(rv, 3));
    await new Promise((r) => setTimeout(r, 50));
    expect(client.writes().filter((a) => a.verb === "create")).toHaveLength(3);

    // Now the watch catches up with the created pods.
    client
      .all<Pod>(PODS)
      .forEach((p, i) => podWatch.added({ ...p, metadata: { ...p.metadata, resourceVersion: `${20 + i}` } }));
    await until(() => expect(controller.expectations.satisfied("ns/web")).toBe(true));
    await until(() =>
      expect(
        client
          .writes()
          .filter((a) => a.verb === "updateStatus")
          .at(-1)?.object,
      ).toMatchObject({ status: { replicas: 3 } }),
    );
    expect(client.writes().filter((a) => a.verb === "create")).toHaveLength(3);
    abort.abort();
    await run;
  });
});
