import { afterEach, describe, expect, it, vi } from "vitest";
import { findResource, type Node, type Pod } from "@ktl/api";
import type { ApiObject } from "@ktl/client";
import { InformerFactory } from "./factory.js";
import { FakeListerWatcher } from "./fake-lister-watcher.js";
import type { ListWatchScope } from "./lister-watcher.js";
import { silentLogger } from "./log.js";

const pods = findResource("", "pods")!;
const nodes = findResource("", "nodes")!;

let abort: AbortController;
afterEach(() => abort?.abort());

function setup(namespace?: string) {
  abort = new AbortController();
  const made: { resource: string; scope: ListWatchScope; lw: FakeListerWatcher<ApiObject> }[] = [];
  const factory = new InformerFactory({
    namespace,
    logger: silentLogger,
    listerWatcher: (info, scope) => {
      const lw = new FakeListerWatcher<ApiObject>({
        items: [{ metadata: { name: "x", namespace: "default" } }],
      });
      made.push({ resource: info.resource, scope, lw });
      return lw;
    },
  });
  return { factory, made };
}

describe("InformerFactory", () => {
  it("shares one informer per resource, namespace and selectors", () => {
    const { factory, made } = setup();
    const a = factory.informerFor<Pod>(pods);
    expect(factory.informerFor<Pod>(pods)).toBe(a);
    expect(factory.informerFor<Pod>(pods, { namespace: "" })).toBe(a);
    expect(factory.informerFor<Pod>(pods, { namespace: "ns1" })).not.toBe(a);
    expect(factory.informerFor<Pod>(pods, { labelSelector: "app=web" })).not.toBe(a);
    expect(factory.informerFor<Pod>(pods, { fieldSelector: "spec.nodeName=n1" })).not.toBe(a);
    // Cluster-scoped resources ignore the namespace.
    const n = factory.informerFor<Node>(nodes);
    expect(factory.informerFor<Node>(nodes, { namespace: "ns1" })).toBe(n);
    expect(made.map((m) => [m.resource, m.scope])).toEqual([
      ["pods", { namespace: undefined, labelSelector: undefined, fieldSelector: undefined }],
      ["pods", { namespace: "ns1", labelSelector: undefined, fieldSelector: undefined }],
      ["pods", { namespace: undefined, labelSelector: "app=web", fieldSelector: undefined }],
      ["pods", { namespace: undefined, labelSelector: undefined, fieldSelector: "spec.nodeName=n1" }],
      ["nodes", { namespace: undefined, labelSelector: undefined, fieldSelector: undefined }],
    ]);
  });

  it("applies its default namespace to namespaced resources", () => {
    const { factory, made } = setup("team-a");
    factory.informerFor<Pod>(pods);
    factory.informerFor<Node>(nodes);
    expect(made.map((m) => m.scope.namespace)).toEqual(["team-a", undefined]);
  });

  it("starts every informer, including ones asked for later, and waits for all to sync", async () => {
    const { factory, made } = setup();
    const p = factory.informerFor<Pod>(pods);
    factory.start(abort.signal);
    const n = factory.informerFor<Node>(nodes);
    expect(await factory.waitForSync(abort.signal)).toBe(true);
    expect(p.hasSynced() && n.hasSynced()).toBe(true);
    await vi.waitFor(() => expect(made.every((m) => m.lw.watches.length === 1)).toBe(true));
    abort.abort();
    await factory.stopped();
    expect(made.every((m) => m.lw.watches[0]?.closed)).toBe(true);
  });

  it("needs a client or a ListerWatcher provider", () => {
    expect(() => new InformerFactory({})).toThrow(/client or a listerWatcher/);
  });
});
