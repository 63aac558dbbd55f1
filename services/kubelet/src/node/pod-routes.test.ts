import { afterEach, describe, expect, it, vi } from "vitest";
import type { Node } from "@ktl/api";
import { FakeApiClient } from "@ktl/client";
import { FakeListerWatcher } from "@ktl/informers";
import type { PodRouteSyncResult, RoutableNode } from "@ktl/node-network";
import type { Logger } from "@ktl/service";
import { PodRoutes, type RouteSyncer } from "./pod-routes.js";

const warnings: string[] = [];
const log: Logger = { info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined };

function node(name: string, podCIDR: string, ip: string, rv = "1"): Node {
  return {
    metadata: { name, resourceVersion: rv, uid: `uid-${name}` },
    spec: { podCIDR },
    status: { addresses: [{ type: "InternalIP", address: ip }] },
  };
}

/** Records the node names of every sync; fails the next `failures` syncs. */
class RecordingSyncer implements RouteSyncer {
  readonly seen: string[][] = [];
  failures = 0;
  sync(nodes: Iterable<RoutableNode>): Promise<PodRouteSyncResult> {
    this.seen.push([...nodes].map((n) => n.metadata?.name ?? "").sort());
    if (this.failures-- > 0) return Promise.reject(new Error("ip: cannot talk to the kernel"));
    return Promise.resolve({ replaced: [], removed: [], problems: [], failed: [] });
  }
}

let routes: PodRoutes | undefined;
afterEach(async () => {
  await routes?.stop();
  routes = undefined;
  warnings.length = 0;
});

async function started(lw: FakeListerWatcher<Node>, syncer: RouteSyncer, extra = {}): Promise<PodRoutes> {
  routes = new PodRoutes({
    client: new FakeApiClient(),
    listerWatcher: lw,
    syncer,
    log,
    debounceMs: 20,
    ...extra,
  });
  await routes.start();
  return routes;
}

describe("PodRoutes", () => {
  it("syncs once the Nodes are listed, then on route-relevant changes only, debounced", async () => {
    const lw = new FakeListerWatcher<Node>({ items: [node("m1", "100.64.1.0/24", "192.0.2.11")] });
    const syncer = new RecordingSyncer();
    await started(lw, syncer);
    expect(syncer.seen).toEqual([["m1"]]);
    const watch = await lw.watchAt(0);

    // A burst: three nodes join; one sync sees them all.
    watch.added(node("m2", "100.64.2.0/24", "192.0.2.12", "2"));
    watch.added(node("m3", "100.64.3.0/24", "192.0.2.13", "3"));
    watch.added(node("m4", "100.64.4.0/24", "192.0.2.14", "4"));
    await vi.waitFor(() => expect(syncer.seen).toHaveLength(2));
    expect(syncer.seen[1]).toEqual(["m1", "m2", "m3", "m4"]);

    // A status heartbeat changes nothing a route depends on.
    const beat = node("m2", "100.64.2.0/24", "192.0.2.12", "5");
    beat.status!.conditions = [{ type: "Ready", status: "True" }];
    watch.modified(beat);
    await new Promise((r) => setTimeout(r, 80));
    expect(syncer.seen).toHaveLength(2);

    // A new address does; so does a deletion.
    watch.modified(node("m2", "100.64.2.0/24", "192.0.2.22", "6"));
    await vi.waitFor(() => expect(syncer.seen).toHaveLength(3));
    watch.deleted(node("m3", "100.64.3.0/24", "192.0.2.13", "7"));
    await vi.waitFor(() => expect(syncer.seen).toHaveLength(4));
    expect(syncer.seen[3]).toEqual(["m1", "m2", "m4"]);
  });

  it("retries a failed sync, and resyncs periodically", async () => {
    const lw = new FakeListerWatcher<Node>({ items: [node("m1", "100.64.1.0/24", "192.0.2.11")] });
    const syncer = new RecordingSyncer();
    syncer.failures = 1;
    await started(lw, syncer, { retryMs: 30, resyncMs: 100 });
    expect(warnings).toContain("pod route sync failed; retrying");
    await vi.waitFor(() => expect(syncer.seen.length).toBeGreaterThanOrEqual(2), { timeout: 500 });
    await vi.waitFor(() => expect(syncer.seen.length).toBeGreaterThanOrEqual(3), { timeout: 500 });
  });

  it("stops syncing when stopped", async () => {
    const lw = new FakeListerWatcher<Node>();
    const syncer = new RecordingSyncer();
    const r = await started(lw, syncer, { resyncMs: 20 });
    const watch = await lw.watchAt(0);
    await r.stop();
    const count = syncer.seen.length;
    watch.added(node("m2", "100.64.2.0/24", "192.0.2.12", "2"));
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(syncer.seen).toHaveLength(count);
  });
});
