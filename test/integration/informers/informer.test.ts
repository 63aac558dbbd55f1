import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { findResource, type Pod } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import {
  DeletedFinalStateUnknown,
  SharedInformer,
  listerWatcherFor,
  silentLogger,
  type DeepReadonly,
  type EventHandler,
} from "@ktl/informers";
import { freePort, startApiserver, startEtcd, type ApiserverProcess, type EtcdServer } from "@ktl/testing";

const pods = findResource("", "pods")!;

let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let client: ApiClient;
/** The apiserver is restarted on the same ports, so the informer's client never changes. */
let fixedPorts: string[];
const abort = new AbortController();

/** Fast reconnects on both layers, so the test does not wait out production back-offs. */
const clientOptions = { "grpc.initial_reconnect_backoff_ms": 100, "grpc.max_reconnect_backoff_ms": 500 };

beforeAll(async () => {
  etcd = await startEtcd();
  fixedPorts = ["--port", String(await freePort()), "--grpc-port", String(await freePort())];
  apiserver = await startApiserver({
    etcd: etcd.endpoint,
    args: [...fixedPorts, "--bookmark-interval-seconds", "1"],
  });
  client = new ApiClient(apiserver.grpcAddress, clientOptions);
});

afterAll(async () => {
  abort.abort();
  client?.close();
  await apiserver?.stop();
  await etcd?.stop();
});

function pod(name: string, labels: Record<string, string> = {}): Pod {
  return { metadata: { name, labels }, spec: { containers: [{ name: "c", image: "busybox" }] } };
}

const label = (p: DeepReadonly<Pod>): string => p.metadata?.name ?? "";

function recorder(log: string[]): EventHandler<Pod> {
  return {
    onAdd: (p) => void log.push(`add ${label(p)}`),
    onUpdate: (o, n) => {
      if (o.metadata?.resourceVersion !== n.metadata?.resourceVersion) log.push(`update ${label(n)}`);
    },
    onDelete: (p) =>
      void log.push(p instanceof DeletedFinalStateUnknown ? `tombstone ${p.key}` : `delete ${label(p)}`),
  };
}

const eventually = (check: () => void): Promise<void> => vi.waitFor(check, { timeout: 30_000, interval: 20 });

describe("informer against a real apiserver", () => {
  const log: string[] = [];
  let informer: SharedInformer<Pod>;

  it("lists, then sees adds, updates and deletes made through the client", async () => {
    await client.create<Pod>(pods, "default", pod("before"));
    informer = new SharedInformer<Pod>(listerWatcherFor<Pod>(client, pods, { namespace: "default" }), {
      name: "pods",
      backoff: { initialMs: 100, maxMs: 1000 },
      logger: silentLogger,
    });
    informer.addEventHandler(recorder(log));
    void informer.start(abort.signal);
    expect(await informer.waitForSync(abort.signal)).toBe(true);

    await client.create<Pod>(pods, "default", pod("web", { app: "web" }));
    await client.create<Pod>(pods, "default", pod("gone-later", { app: "web" }));
    await client.patch<Pod>(pods, "default", "web", { metadata: { labels: { app: "web", tier: "fe" } } });
    await client.delete(pods, "default", "before");
    await eventually(() => expect(log).toHaveLength(5));
    expect(log).toEqual(["add before", "add web", "add gone-later", "update web", "delete before"]);

    expect(informer.store.listKeys().sort()).toEqual(["default/gone-later", "default/web"]);
    expect(informer.indexer.byLabel("tier", "fe").map(label)).toEqual(["web"]);
    expect(informer.indexer.listByIndex("byNamespace", "default")).toHaveLength(2);
    const server = await client.get<Pod>(pods, "default", "web");
    expect(informer.store.get("default/web")).toEqual(server);
  });

  it("recovers from an apiserver restart and catches up on what changed while it was away", async () => {
    log.length = 0;
    await apiserver.stop();

    // Changes made while the informer cannot reach any apiserver: through a
    // second apiserver on other ports, stopped again before the first returns.
    const other = await startApiserver({ etcd: etcd.endpoint });
    const otherClient = new ApiClient(other.grpcAddress);
    try {
      await otherClient.delete(pods, "default", "gone-later");
      await otherClient.create<Pod>(pods, "default", pod("made-while-away"));
      await otherClient.patch<Pod>(pods, "default", "web", {
        metadata: { labels: { app: "web", tier: "be" } },
      });
    } finally {
      otherClient.close();
      await other.stop();
    }
    expect(log).toEqual([]);

    // Back on the informer's address. Its resourceVersion predates the new
    // apiserver's watch cache: 410, relist, tombstone for the missed delete.
    apiserver = await startApiserver({ etcd: etcd.endpoint, args: [...fixedPorts] });
    await eventually(() => expect(log).toHaveLength(3));
    expect(log).toEqual(["tombstone default/gone-later", "add made-while-away", "update web"]);
    expect(informer.indexer.byLabel("tier", "be").map(label)).toEqual(["web"]);

    // And it keeps watching.
    await client.create<Pod>(pods, "default", pod("after"));
    await client.delete(pods, "default", "made-while-away");
    await eventually(() => expect(log).toHaveLength(5));
    expect(log.slice(3)).toEqual(["add after", "delete made-while-away"]);
    expect(informer.store.listKeys().sort()).toEqual(["default/after", "default/web"]);
  });
});
