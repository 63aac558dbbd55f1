import { afterEach, describe, expect, it, vi } from "vitest";
import type { Deployment, Pod, ReplicaSet } from "@ktl/api";
import { FakeApiClient } from "@ktl/client";
import { FakeListerWatcher, SharedInformer, silentLogger, type FakeWatch } from "@ktl/informers";
import { RateLimitingWorkQueue } from "@ktl/workqueue";
import { DeploymentController } from "./controller.js";
import { DEPLOYMENTS } from "./control.js";
import { D_UID, Fixture, hashOf } from "./fixture.js";

const until = (check: () => void): Promise<void> => vi.waitFor(check, { interval: 2, timeout: 3000 });
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

const deployment = (name: string, uid: string, strategy = "RollingUpdate"): Deployment => ({
  metadata: { name, namespace: "ns", uid, resourceVersion: "1" },
  spec: { selector: { matchLabels: { app: "web" } }, strategy: { type: strategy } },
});

const owner = (name: string, uid: string, kind = "Deployment") => ({
  apiVersion: "apps/v1",
  kind,
  name,
  uid,
  controller: true,
});

const rs = (
  name: string,
  rv: string,
  ownerRefs: ReturnType<typeof owner>[] = [],
  labels = { app: "web" },
): ReplicaSet => ({
  metadata: {
    name,
    namespace: "ns",
    uid: `uid-${name}`,
    resourceVersion: rv,
    labels,
    ownerReferences: ownerRefs,
  },
});

const pod = (name: string, rv: string, rsName: string): Pod => ({
  metadata: {
    name,
    namespace: "ns",
    uid: `uid-${name}`,
    resourceVersion: rv,
    labels: { app: "web" },
    ownerReferences: [owner(rsName, `uid-${rsName}`, "ReplicaSet")],
  },
});

let abort: AbortController;
afterEach(() => abort?.abort());

async function setup(initial: { deployments?: Deployment[]; replicaSets?: ReplicaSet[]; pods?: Pod[] }) {
  abort = new AbortController();
  const sources = {
    d: new FakeListerWatcher<Deployment>({ items: initial.deployments ?? [] }),
    rs: new FakeListerWatcher<ReplicaSet>({ items: initial.replicaSets ?? [] }),
    pods: new FakeListerWatcher<Pod>({ items: initial.pods ?? [] }),
  };
  const options = { logger: silentLogger, watchIdleTimeoutMs: 0 };
  const informers = {
    d: new SharedInformer<Deployment>(sources.d, options),
    rs: new SharedInformer<ReplicaSet>(sources.rs, options),
    pods: new SharedInformer<Pod>(sources.pods, options),
  };
  const queue = new RateLimitingWorkQueue<string>({ name: "test" });
  new DeploymentController({
    client: new FakeApiClient(),
    deployments: informers.d,
    replicaSets: informers.rs,
    pods: informers.pods,
    queue,
    log: silent,
  });
  for (const informer of Object.values(informers)) void informer.start(abort.signal);
  for (const informer of Object.values(informers)) await informer.waitForSync(abort.signal);
  const rsWatch: FakeWatch<ReplicaSet> = await sources.rs.watchAt(0);
  const podWatch: FakeWatch<Pod> = await sources.pods.watchAt(0);
  const drain = async (): Promise<string[]> => {
    const keys: string[] = [];
    while (queue.len() > 0) {
      const key = await queue.get();
      if (key === undefined) break;
      keys.push(key);
      queue.done(key);
    }
    return keys.sort();
  };
  return { queue, rsWatch, podWatch, drain };
}

describe("DeploymentController handlers", () => {
  it("enqueue the Deployment a ReplicaSet's controller reference names", async () => {
    const { queue, rsWatch, drain } = await setup({
      deployments: [deployment("web", "w"), deployment("api", "a")],
    });
    await until(() => expect(queue.len()).toBe(2));
    await drain();

    rsWatch.added(rs("web-1", "2", [owner("web", "w")]));
    await until(() => expect(queue.len()).toBe(1));
    expect(await drain()).toEqual(["ns/web"]);

    // A reference to a Deployment of the same name but another uid is nobody's.
    rsWatch.added(rs("web-2", "3", [owner("web", "someone-else")]));
    rsWatch.modified(rs("web-1", "2", [owner("web", "w")])); // resync: dropped by the informer
    await new Promise((r) => setTimeout(r, 30));
    expect(queue.len()).toBe(0);

    // The controller changes: both the old and the new one look.
    rsWatch.modified(rs("web-1", "4", [owner("api", "a")]));
    await until(() => expect(queue.len()).toBe(2));
    expect(await drain()).toEqual(["ns/api", "ns/web"]);

    rsWatch.deleted(rs("web-1", "5", [owner("api", "a")]));
    await until(() => expect(queue.len()).toBe(1));
    expect(await drain()).toEqual(["ns/api"]);
  });

  it("wake every Deployment that could adopt an orphan", async () => {
    const other = { ...deployment("db", "d"), spec: { selector: { matchLabels: { app: "db" } } } };
    const { queue, rsWatch, drain } = await setup({
      deployments: [deployment("web", "w"), deployment("web2", "w2"), other],
    });
    await until(() => expect(queue.len()).toBe(3));
    await drain();
    rsWatch.added(rs("orphan", "2"));
    await until(() => expect(queue.len()).toBe(2));
    expect(await drain()).toEqual(["ns/web", "ns/web2"]);
    rsWatch.modified(rs("orphan", "3", [], { app: "db" }));
    await until(() => expect(queue.len()).toBe(1));
    expect(await drain()).toEqual(["ns/db"]);
  });

  it("wake a Recreate Deployment when its last old pod is gone", async () => {
    const recreate = deployment("web", "w", "Recreate");
    const { queue, podWatch, drain } = await setup({
      deployments: [recreate, deployment("api", "a")],
      replicaSets: [rs("web-1", "2", [owner("web", "w")]), rs("api-1", "3", [owner("api", "a")])],
      pods: [pod("p1", "4", "web-1"), pod("p2", "5", "web-1"), pod("q1", "6", "api-1")],
    });
    await until(() => expect(queue.len()).toBe(2));
    await drain();
    podWatch.deleted(pod("p1", "7", "web-1"));
    await new Promise((r) => setTimeout(r, 30));
    expect(queue.len()).toBe(0); // p2 is still there
    podWatch.deleted(pod("p2", "8", "web-1"));
    podWatch.deleted(pod("q1", "9", "api-1")); // rolling: the ReplicaSet's status will tell
    await until(() => expect(queue.len()).toBe(1));
    await new Promise((r) => setTimeout(r, 30));
    expect(await drain()).toEqual(["ns/web"]);
  });
});

describe("claiming ReplicaSets", () => {
  it("adopts matching orphans, releases its own that stopped matching, and leaves others' alone", async () => {
    const f = new Fixture();
    f.deployment({ replicas: 1 });
    f.replicaSet({ image: "a", replicas: 1, revision: 1, owner: null }); // orphan, matches
    const mismatched = f.replicaSet({ image: "x", replicas: 0, revision: 2 });
    f.replicaSets.add({ ...mismatched, metadata: { ...mismatched.metadata, labels: { app: "elsewhere" } } });
    f.replicaSet({ image: "y", replicas: 1, owner: "another-deployment" });
    await f.reconcile();

    const patches = f.writes("patch").map((a) => [a.name, a.patch]);
    expect(patches).toEqual([
      [
        `web-${hashOf("a")}`,
        {
          metadata: {
            ownerReferences: [expect.objectContaining({ kind: "Deployment", uid: D_UID, controller: true })],
            resourceVersion: expect.any(String),
          },
        },
      ],
      [
        `web-${hashOf("x")}`,
        {
          metadata: {
            ownerReferences: [{ $patch: "delete", uid: D_UID }],
            resourceVersion: expect.any(String),
          },
        },
      ],
    ]);
    // Adoption was preceded by a live read of the Deployment.
    expect(f.client.actions.some((a) => a.verb === "get" && a.resource === DEPLOYMENTS.resource)).toBe(true);
    expect(f.writes("update", "replicasets").map((a) => a.name)).not.toContain(`web-${hashOf("y")}`);
  });

  it("does not adopt for a Deployment that is being deleted, and only reports its status", async () => {
    const f = new Fixture();
    f.deployment(
      { replicas: 3, template: { metadata: { labels: { app: "web" } } } },
      { deletionTimestamp: "2024-05-01T11:00:00Z" },
    );
    f.replicaSet({ image: "a", replicas: 1, owner: null });
    await f.reconcile();
    expect(f.writes("patch")).toEqual([]);
    expect(f.writes("update", "replicasets")).toEqual([]);
    expect(f.writes("create")).toEqual([]);
  });
});
