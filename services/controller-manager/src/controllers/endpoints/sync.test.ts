import { describe, expect, it } from "vitest";
import { findResource, type Endpoints, type Pod, type Service } from "@ktl/api";
import { FakeApiClient } from "@ktl/client";
import { IndexedStore } from "@ktl/informers";
import { podChange, podEventHandler } from "./controller.js";
import { ENDPOINTS, EndpointsReconciler, HEADLESS_LABEL, STALE_RETRY_MS } from "./sync.js";

const SERVICES = findResource("", "services")!;

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function service(name: string, extra: Partial<NonNullable<Service["spec"]>> = {}): Service {
  return {
    metadata: { name, namespace: "ns", uid: `uid-${name}`, labels: { team: "a" } },
    spec: {
      selector: { app: name },
      clusterIP: "100.96.0.10",
      ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }],
      ...extra,
    },
  };
}

function pod(name: string, app: string, ip: string, ready = true, rv = "1"): Pod {
  return {
    metadata: { name, namespace: "ns", uid: `uid-${name}`, labels: { app }, resourceVersion: rv },
    spec: { nodeName: "node-1", containers: [{ name: "c", image: "x" }] },
    status: {
      phase: "Running",
      podIP: ip,
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
    },
  };
}

function fixture(options: { services?: Service[]; pods?: Pod[]; endpoints?: Endpoints[] } = {}) {
  const client = new FakeApiClient();
  const services = new IndexedStore<Service>();
  const pods = new IndexedStore<Pod>();
  const endpoints = new IndexedStore<Endpoints>();
  for (const s of options.services ?? []) {
    services.add(s);
    client.seed(SERVICES, s);
  }
  for (const p of options.pods ?? []) pods.add(p);
  for (const e of options.endpoints ?? []) {
    client.seed(ENDPOINTS, e);
    endpoints.add(client.stored<Endpoints>(ENDPOINTS, "ns", e.metadata?.name ?? "") ?? e);
  }
  let clock = 0;
  const reconciler = new EndpointsReconciler({
    client,
    services,
    pods,
    endpoints,
    log: silent,
    now: () => clock,
  });
  /** Copies the apiserver's Endpoints into the cache, as the watch would, and tells the reconciler. */
  const observe = (name: string) => {
    const stored = client.stored<Endpoints>(ENDPOINTS, "ns", name);
    if (stored) endpoints.add(stored);
    else endpoints.delete(`ns/${name}`);
    reconciler.observed(`ns/${name}`);
  };
  const advance = (ms: number) => (clock += ms);
  return { client, services, pods, endpoints, reconciler, observe, advance };
}

describe("EndpointsReconciler", () => {
  it("creates the Endpoints of a Service with a selector, with the Service's labels", async () => {
    const f = fixture({
      services: [service("web")],
      pods: [pod("a", "web", "10.0.0.1"), pod("b", "web", "10.0.0.2", false), pod("other", "db", "10.0.0.3")],
    });
    await f.reconciler.reconcile("ns/web");
    expect(f.client.writes().map((w) => `${w.verb} ${w.resource}`)).toEqual(["create endpoints"]);
    const ep = f.client.stored<Endpoints>(ENDPOINTS, "ns", "web");
    expect(ep?.metadata?.labels).toEqual({ team: "a" });
    expect(ep?.subsets).toEqual([
      {
        addresses: [
          {
            ip: "10.0.0.1",
            nodeName: "node-1",
            targetRef: { kind: "Pod", namespace: "ns", name: "a", uid: "uid-a" },
          },
        ],
        notReadyAddresses: [
          {
            ip: "10.0.0.2",
            nodeName: "node-1",
            targetRef: { kind: "Pod", namespace: "ns", name: "b", uid: "uid-b" },
          },
        ],
        ports: [{ port: 8080, protocol: "TCP" }],
      },
    ]);
  });

  it("writes nothing when the Endpoints already say the same", async () => {
    const f = fixture({ services: [service("web")], pods: [pod("a", "web", "10.0.0.1")] });
    await f.reconciler.reconcile("ns/web");
    f.observe("web");
    await f.reconciler.reconcile("ns/web");
    expect(f.client.writes()).toHaveLength(1);
  });

  it("updates on a readiness change, waiting while the cache has not seen its own write", async () => {
    const f = fixture({ services: [service("web")], pods: [pod("a", "web", "10.0.0.1")] });
    await f.reconciler.reconcile("ns/web");
    f.observe("web");
    f.pods.add(pod("a", "web", "10.0.0.1", false, "2"));
    await f.reconciler.reconcile("ns/web");
    expect(f.client.writes().map((w) => w.verb)).toEqual(["create", "update"]);
    expect(f.client.stored<Endpoints>(ENDPOINTS, "ns", "web")?.subsets?.[0]?.notReadyAddresses).toHaveLength(
      1,
    );

    // The cache still shows the replaced version: look again shortly, do not write.
    f.pods.add(pod("a", "web", "10.0.0.1", true, "3"));
    expect(await f.reconciler.reconcile("ns/web")).toEqual({ requeueAfterMs: STALE_RETRY_MS });
    f.observe("web");
    await f.reconciler.reconcile("ns/web");
    expect(f.client.writes().map((w) => w.verb)).toEqual(["create", "update", "update"]);

    // Should the cache never catch up, it is trusted again after a while (and the
    // apiserver's conflict answers a write from a stale cache).
    f.pods.add(pod("a", "web", "10.0.0.9", true, "4"));
    expect(await f.reconciler.reconcile("ns/web")).toEqual({ requeueAfterMs: STALE_RETRY_MS });
    f.advance(10_000);
    await expect(f.reconciler.reconcile("ns/web")).rejects.toThrow(/modified/); // the fake's conflict
  });

  it("never touches the Endpoints of a Service without a selector, or of an ExternalName Service", async () => {
    const manual: Endpoints = {
      metadata: { name: "manual", namespace: "ns" },
      subsets: [{ addresses: [{ ip: "192.0.2.1" }], ports: [{ port: 5432, protocol: "TCP" }] }],
    };
    const f = fixture({
      services: [
        service("manual", { selector: undefined }),
        service("ext", { type: "ExternalName", externalName: "x.example.com" }),
      ],
      pods: [pod("a", "manual", "10.0.0.1"), pod("b", "ext", "10.0.0.2")],
      endpoints: [manual],
    });
    await f.reconciler.reconcile("ns/manual");
    await f.reconciler.reconcile("ns/ext");
    expect(f.client.writes()).toEqual([]);
  });

  it("deletes the Endpoints of a Service that is gone", async () => {
    const f = fixture({ endpoints: [{ metadata: { name: "web", namespace: "ns" }, subsets: [] }] });
    await f.reconciler.reconcile("ns/web");
    expect(f.client.stored(ENDPOINTS, "ns", "web")).toBeUndefined();
    await f.reconciler.reconcile("ns/web"); // already gone: fine
  });

  it("labels the Endpoints of a headless Service", async () => {
    const f = fixture({
      services: [service("web", { clusterIP: "None" })],
      pods: [pod("a", "web", "10.0.0.1")],
    });
    await f.reconciler.reconcile("ns/web");
    expect(f.client.stored<Endpoints>(ENDPOINTS, "ns", "web")?.metadata?.labels).toEqual({
      team: "a",
      [HEADLESS_LABEL]: "",
    });
  });
});

describe("pod event handler", () => {
  it("queues the Services selecting a pod on add, delete and relevant updates only", () => {
    const services = new IndexedStore<Service>();
    services.add(service("web"));
    services.add(service("db"));
    services.add(service("loose", { selector: undefined }));
    const queued: string[] = [];
    const handler = podEventHandler(services, (k) => queued.push(k));
    const a = pod("a", "web", "10.0.0.1");
    void handler.onAdd?.(a);
    expect(queued.splice(0)).toEqual(["ns/web"]);

    // An annotation change: nothing an Endpoints shows.
    const annotated = { ...a, metadata: { ...a.metadata, resourceVersion: "2", annotations: { x: "y" } } };
    void handler.onUpdate?.(a, annotated);
    expect(queued.splice(0)).toEqual([]);

    // Readiness.
    void handler.onUpdate?.(a, pod("a", "web", "10.0.0.1", false, "3"));
    expect(queued.splice(0)).toEqual(["ns/web"]);

    // Moving from one Service to another: both.
    void handler.onUpdate?.(a, pod("a", "db", "10.0.0.1", true, "4"));
    expect(queued.splice(0).sort()).toEqual(["ns/db", "ns/web"]);

    void handler.onDelete?.(a);
    expect(queued.splice(0)).toEqual(["ns/web"]);
  });

  it("tells endpoint changes from membership changes", () => {
    const a = pod("a", "web", "10.0.0.1");
    expect(podChange(a, pod("a", "web", "10.0.0.2"))).toEqual({ endpoints: true, membership: false });
    expect(podChange(a, pod("a", "db", "10.0.0.1"))).toEqual({ endpoints: false, membership: true });
    const finished = pod("a", "web", "10.0.0.1");
    finished.status = { ...finished.status, phase: "Succeeded" };
    expect(podChange(a, finished).endpoints).toBe(true);
  });
});
