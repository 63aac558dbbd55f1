import { describe, expect, it } from "vitest";
import { findResource, type DeleteOptions, type Namespace, type ResourceInfo } from "@ktl/api";
import { forbidden } from "@ktl/apimachinery";
import { FakeApiClient, type ApiObject } from "@ktl/client";
import { IndexedStore } from "@ktl/informers";
import { CONDITIONS } from "./conditions.js";
import { namespaceEventHandler } from "./controller.js";
import { NamespaceReconciler } from "./sync.js";

const namespaces = findResource("", "namespaces")!;
const configmaps = findResource("", "configmaps")!;
const pods = findResource("", "pods")!;
const services = findResource("", "services")!;
const deployments = findResource("apps", "deployments")!;

/** FakeApiClient records no delete options; this one does. */
class Client extends FakeApiClient {
  readonly deleteOptions: { resource: string; name: string; options: DeleteOptions }[] = [];
  override delete<T extends ApiObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<T> {
    this.deleteOptions.push({ resource: info.resource, name, options });
    return super.delete<T>(info, namespace, name);
  }
}

function terminating(name: string, finalizers = ["kubernetes"]): Namespace {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, uid: `uid-${name}`, resourceVersion: "5", deletionTimestamp: "2024-01-01T00:00:00Z" },
    spec: { finalizers },
    status: { phase: "Terminating" },
  };
}

const obj = (namespace: string, name: string, extra: Partial<ApiObject["metadata"]> = {}): ApiObject => ({
  metadata: { namespace, name, uid: `uid-${namespace}-${name}`, ...extra },
});

function fixture(ns: Namespace, content: [ResourceInfo, ApiObject][] = []) {
  const client = new Client();
  const store = new IndexedStore<Namespace>();
  client.seed(namespaces, ns);
  // The cache holds what the apiserver holds (the fake gives it its own resourceVersion).
  store.add(client.stored<Namespace>(namespaces, undefined, ns.metadata!.name!)!);
  for (const [info, o] of content) client.seed(info, o);
  const reconciler = new NamespaceReconciler({
    client,
    namespaces: store,
    log: { info: () => {}, warn: () => {}, error: () => {} },
    now: () => new Date("2024-01-01T00:01:00.123Z"),
  });
  const name = ns.metadata!.name!;
  /** Copies the apiserver's namespace into the cache, as the watch would. */
  const observe = () => {
    const stored = client.stored<Namespace>(namespaces, undefined, name);
    if (stored) store.add(stored);
  };
  const conditions = () => client.stored<Namespace>(namespaces, undefined, name)?.status?.conditions ?? [];
  return { client, store, reconciler, observe, conditions };
}

describe("NamespaceReconciler", () => {
  it("deletes everything in a terminating namespace, then finalizes it", async () => {
    const content: [ResourceInfo, ApiObject][] = [];
    for (let i = 0; i < 40; i++) content.push([configmaps, obj("doomed", `cm-${i}`)]);
    for (let i = 0; i < 30; i++) content.push([pods, obj("doomed", `pod-${i}`)]);
    for (let i = 0; i < 20; i++) content.push([services, obj("doomed", `svc-${i}`)]);
    for (let i = 0; i < 10; i++) content.push([deployments, obj("doomed", `deploy-${i}`)]);
    content.push([configmaps, obj("other", "keep-me")]);
    const f = fixture(terminating("doomed"), content);

    expect(await f.reconciler.reconcile("doomed")).toBeUndefined();

    expect(f.client.deleteOptions).toHaveLength(100);
    for (const { resource, name, options } of f.client.deleteOptions) {
      expect(options.propagationPolicy).toBe("Background");
      expect(options.preconditions?.uid).toBe(`uid-doomed-${name}`);
      expect(options.gracePeriodSeconds).toBe(resource === "pods" ? 0 : undefined);
    }
    expect(f.client.stored(configmaps, "other", "keep-me")).toBeDefined();
    const finalize = f.client.writes().filter((w) => w.verb === "update");
    expect(finalize).toHaveLength(1);
    expect((finalize[0]!.object as Namespace).spec?.finalizers).toEqual([]);
    expect(f.conditions().find((c) => c.type === CONDITIONS.ContentRemaining)).toMatchObject({
      status: "False",
      reason: "ContentRemoved",
      lastTransitionTime: "2024-01-01T00:01:00Z",
    });
  });

  it("keeps other spec finalizers when it removes its own", async () => {
    const f = fixture(terminating("ns", ["example.com/cleanup", "kubernetes"]));
    await f.reconciler.reconcile("ns");
    const finalize = f.client.writes().find((w) => w.verb === "update");
    expect((finalize?.object as Namespace).spec?.finalizers).toEqual(["example.com/cleanup"]);
  });

  it("waits, with a growing delay, for content held by finalizers, and says so", async () => {
    const stuck = obj("ns", "stuck", {
      deletionTimestamp: "2024-01-01T00:00:00Z",
      finalizers: ["foregroundDeletion"],
    });
    const f = fixture(terminating("ns"), [
      [configmaps, stuck],
      [configmaps, obj("ns", "plain")],
    ]);
    expect(await f.reconciler.reconcile("ns")).toEqual({ requeueAfterMs: 500 });
    expect(f.client.deleteOptions.map((d) => d.name)).toEqual(["plain"]);
    expect(f.client.writes().some((w) => w.verb === "update")).toBe(false);
    expect(f.conditions()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: CONDITIONS.ContentRemaining,
          status: "True",
          reason: "SomeResourcesRemain",
          message: "Some resources are remaining: configmaps has 1 resource instances",
        }),
        expect.objectContaining({
          type: CONDITIONS.FinalizersRemaining,
          status: "True",
          reason: "SomeFinalizersRemain",
          message:
            "Some content in the namespace has finalizers remaining: foregroundDeletion in 1 resource instances",
        }),
      ]),
    );

    // Nothing changed: the same conditions are not written again; the wait doubles.
    f.observe();
    const writes = f.client.writes().length;
    expect(await f.reconciler.reconcile("ns")).toEqual({ requeueAfterMs: 1000 });
    expect(f.client.writes()).toHaveLength(writes);

    // The finalizer is gone, and so is the object: the namespace is finalized.
    void f.client.delete(configmaps, "ns", "stuck");
    expect(await f.reconciler.reconcile("ns")).toBeUndefined();
    expect(f.client.writes().filter((w) => w.verb === "update")).toHaveLength(1);
  });

  it("reports failed deletes in NamespaceDeletionContentFailure and retries", async () => {
    const f = fixture(terminating("ns"), [[configmaps, obj("ns", "protected")]]);
    f.client.react((a) =>
      a.verb === "delete" ? forbidden(configmaps, a.name ?? "", "not allowed") : undefined,
    );
    expect(await f.reconciler.reconcile("ns")).toEqual({ requeueAfterMs: 500 });
    expect(f.client.writes().some((w) => w.verb === "update")).toBe(false);
    const failure = f.conditions().find((c) => c.type === CONDITIONS.ContentFailure);
    expect(failure).toMatchObject({ status: "True", reason: "ContentDeletionFailed" });
    expect(failure?.message).toMatch(
      /^Failed to delete all resource types, 1 remaining: deleting configmaps protected/,
    );
  });

  it("leaves active namespaces, and terminating ones it has already finalized, alone", async () => {
    const active: Namespace = { metadata: { name: "live", uid: "u" }, spec: { finalizers: ["kubernetes"] } };
    const a = fixture(active, [[configmaps, obj("live", "cm")]]);
    await a.reconciler.reconcile("live");
    const b = fixture(terminating("done", []), [[configmaps, obj("done", "cm")]]);
    await b.reconciler.reconcile("done");
    await b.reconciler.reconcile("absent");
    expect([...a.client.writes(), ...b.client.writes()]).toEqual([]);
  });
});

describe("namespaceEventHandler", () => {
  it("queues terminating namespaces and deletions, not active ones or resyncs", () => {
    const queued: string[] = [];
    const h = namespaceEventHandler((k) => queued.push(k));
    const active: Namespace = { metadata: { name: "a", resourceVersion: "1" } };
    const marked = terminating("a");
    h.onAdd?.(active);
    h.onAdd?.(terminating("b"));
    h.onUpdate?.(active, marked);
    h.onUpdate?.(marked, marked);
    h.onDelete?.(marked);
    expect(queued).toEqual(["b", "a", "a"]);
  });
});
