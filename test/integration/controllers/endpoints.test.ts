/**
 * The endpoints controller against a real apiserver: pods' statuses are
 * written by hand (as a kubelet would, through pods/status) where a test
 * needs exact control, and by the fake kubelet where it only needs pods
 * that come up.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Endpoints, type Pod, type Service } from "@ktl/api";
import { isNotFound } from "@ktl/apimachinery";
import { ApiClient } from "@ktl/client";
import {
  startApiserver,
  startControllerManager,
  startEtcd,
  startFakeKubelet,
  type ApiserverProcess,
  type EtcdServer,
  type ServiceProcess,
  until,
} from "@ktl/testing";
import { RestClient } from "../apiserver/client.js";

const pods = findResource("", "pods")!;
const services = findResource("", "services")!;
const endpoints = findResource("", "endpoints")!;
const namespaces = findResource("", "namespaces")!;
const NS = "ep";

let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let client: ApiClient;
let manager: ServiceProcess;

beforeAll(async () => {
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint });
  client = new ApiClient(apiserver.grpcAddress);
  await client.create(namespaces, undefined, { metadata: { name: NS } });
  manager = await startControllerManager({
    apiserver: apiserver.grpcAddress,
    args: ["--controllers", "endpoints", "--leader-elect", "false"],
  });
});

afterAll(async () => {
  await manager?.stop();
  client?.close();
  await apiserver?.stop();
  await etcd?.stop();
});

interface PodSetup {
  app: string;
  ip?: string;
  ready?: boolean;
  phase?: string;
  ports?: { name: string; containerPort: number }[];
}

/** Creates a pod bound to node-1 and writes its status as the kubelet would. */
async function createPod(name: string, o: PodSetup): Promise<Pod> {
  await client.create<Pod>(pods, NS, {
    metadata: { name, labels: { app: o.app } },
    spec: { nodeName: "node-1", containers: [{ name: "c", image: "busybox", ports: o.ports ?? [] }] },
  });
  return setStatus(name, o);
}

async function setStatus(name: string, o: PodSetup): Promise<Pod> {
  const current = await client.get<Pod>(pods, NS, name);
  return client.updateStatus<Pod>(pods, {
    ...current,
    status: {
      ...current.status,
      phase: o.phase ?? "Running",
      ...(o.ip ? { podIP: o.ip, podIPs: [{ ip: o.ip }] } : {}),
      conditions: [{ type: "Ready", status: (o.ready ?? true) ? "True" : "False" }],
    },
  });
}

function createService(name: string, spec: Service["spec"]): Promise<Service> {
  return client.create<Service>(services, NS, { metadata: { name, labels: { team: "t" } }, spec });
}

async function getEndpoints(name: string): Promise<Endpoints | undefined> {
  try {
    return await client.get<Endpoints>(endpoints, NS, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** "ip:port" per ready and per not-ready address, for compact assertions. */
function summary(ep: Endpoints | undefined): { ready: string[]; notReady: string[] } {
  const ready: string[] = [];
  const notReady: string[] = [];
  for (const s of ep?.subsets ?? []) {
    const ports = (s.ports ?? []).map((p) => p.port);
    for (const a of s.addresses ?? []) for (const p of ports) ready.push(`${a.ip}:${p}`);
    for (const a of s.notReadyAddresses ?? []) for (const p of ports) notReady.push(`${a.ip}:${p}`);
  }
  return { ready: ready.sort(), notReady: notReady.sort() };
}

const waitForSummary = (name: string, want: { ready: string[]; notReady: string[] }, timeoutMs?: number) =>
  until(
    `endpoints ${name} = ${JSON.stringify(want)}`,
    async () => {
      const ep = await getEndpoints(name);
      return ep && JSON.stringify(summary(ep)) === JSON.stringify(want) ? ep : undefined;
    },
    timeoutMs,
  );

describe("endpoints controller", () => {
  it("lists ready pods under addresses and running-but-not-ready ones under notReadyAddresses", async () => {
    await createPod("web-a", { app: "web", ip: "10.1.0.1" });
    await createPod("web-b", { app: "web", ip: "10.1.0.2", ready: false });
    await createPod("web-pending", { app: "web", phase: "Pending", ready: false }); // no IP yet
    await createPod("web-done", { app: "web", ip: "10.1.0.3", phase: "Succeeded", ready: false });
    await createPod("db-a", { app: "db", ip: "10.1.0.9" });
    await createService("web", { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] });

    const ep = await waitForSummary("web", { ready: ["10.1.0.1:8080"], notReady: ["10.1.0.2:8080"] });
    expect(ep.metadata?.labels).toEqual({ team: "t" });
    const a = (await client.get<Pod>(pods, NS, "web-a")).metadata;
    expect(ep.subsets?.[0]?.addresses).toEqual([
      {
        ip: "10.1.0.1",
        nodeName: "node-1",
        targetRef: { kind: "Pod", namespace: NS, name: "web-a", uid: a?.uid },
      },
    ]);
    expect(ep.subsets?.[0]?.ports).toEqual([{ port: 8080, protocol: "TCP" }]);
  });

  it("moves an address within a second of its pod's readiness changing", async () => {
    const started = Date.now();
    await setStatus("web-b", { app: "web", ip: "10.1.0.2", ready: true });
    await waitForSummary("web", { ready: ["10.1.0.1:8080", "10.1.0.2:8080"], notReady: [] }, 1000);
    expect(Date.now() - started).toBeLessThan(1000);

    const again = Date.now();
    await setStatus("web-a", { app: "web", ip: "10.1.0.1", ready: false });
    await waitForSummary("web", { ready: ["10.1.0.2:8080"], notReady: ["10.1.0.1:8080"] }, 1000);
    expect(Date.now() - again).toBeLessThan(1000);
  });

  it("leaves out a pod being deleted", async () => {
    // Bound to a node, the pod gets a grace period: it stays, terminating, until its kubelet confirms.
    await client.delete(pods, NS, "web-b");
    expect((await client.get<Pod>(pods, NS, "web-b")).metadata?.deletionTimestamp).toBeDefined();
    await waitForSummary("web", { ready: [], notReady: ["10.1.0.1:8080"] });
    await client.delete(pods, NS, "web-b", { gracePeriodSeconds: 0 });
  });

  it("resolves a named targetPort per pod, leaving out pods without that port", async () => {
    await createPod("named-a", {
      app: "named",
      ip: "10.2.0.1",
      ports: [{ name: "http", containerPort: 8080 }],
    });
    await createPod("named-b", {
      app: "named",
      ip: "10.2.0.2",
      ports: [{ name: "http", containerPort: 9090 }],
    });
    await createPod("named-c", {
      app: "named",
      ip: "10.2.0.3",
      ports: [{ name: "metrics", containerPort: 8080 }],
    });
    await createService("named", {
      selector: { app: "named" },
      ports: [{ name: "web", port: 80, targetPort: "http" }],
    });
    const ep = await waitForSummary("named", { ready: ["10.2.0.1:8080", "10.2.0.2:9090"], notReady: [] });
    // Different port numbers: two subsets.
    expect(ep.subsets).toHaveLength(2);
    expect(ep.subsets?.map((s) => s.ports)).toEqual([
      [{ name: "web", port: 8080, protocol: "TCP" }],
      [{ name: "web", port: 9090, protocol: "TCP" }],
    ]);
  });

  it("never touches the Endpoints of a Service without a selector, even written before the Service", async () => {
    const written = await client.create<Endpoints>(endpoints, NS, {
      metadata: { name: "manual" },
      subsets: [{ addresses: [{ ip: "192.0.2.10" }], ports: [{ port: 5432 }] }],
    });
    await sleep(300);
    await createService("manual", { ports: [{ port: 5432 }] });
    // Give the controller reasons and time to act: a Service update, an unrelated pod.
    await client.patch(services, NS, "manual", { metadata: { labels: { touched: "yes" } } });
    await createPod("manual-pod", { app: "manual", ip: "10.3.0.1" });
    await sleep(1500);
    const after = await getEndpoints("manual");
    expect(after?.metadata?.resourceVersion).toBe(written.metadata?.resourceVersion);
    expect(after?.subsets).toEqual(written.subsets);
  });

  it("puts back Endpoints deleted by hand, and deletes them with their Service", async () => {
    await client.delete(endpoints, NS, "named");
    await waitForSummary("named", { ready: ["10.2.0.1:8080", "10.2.0.2:9090"], notReady: [] });
    await client.delete(services, NS, "named");
    await until("endpoints named to go", async () => ((await getEndpoints("named")) ? undefined : true));
  });

  it("prints in kubectl's table", async () => {
    const rest = new RestClient(apiserver.url);
    const table = await rest.get(`/api/v1/namespaces/${NS}/endpoints/web`, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
    });
    expect(table.status).toBe(200);
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual([
      "Name",
      "Endpoints",
      "Age",
    ]);
    // Only web-a is left, not ready: `kubectl get endpoints` shows ready addresses only.
    expect(table.body.rows[0].cells.slice(0, 2)).toEqual(["web", ""]);
    await setStatus("web-a", { app: "web", ip: "10.1.0.1", ready: true });
    await waitForSummary("web", { ready: ["10.1.0.1:8080"], notReady: [] });
    const ready = await rest.get(`/api/v1/namespaces/${NS}/endpoints/web`, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
    });
    expect(ready.body.rows[0].cells.slice(0, 2)).toEqual(["web", "10.1.0.1:8080"]);
  });

  it("follows pods brought up by a (fake) kubelet", async () => {
    const stopKubelet = startFakeKubelet({
      client,
      namespace: NS,
      startupMs: 20,
      neverReady: (i) => i === "never",
    });
    try {
      await createService("fleet", { selector: { app: "fleet" }, ports: [{ port: 80 }] });
      for (const [name, image] of [
        ["fleet-1", "busybox"],
        ["fleet-2", "busybox"],
        ["fleet-3", "never"],
      ]) {
        await client.create<Pod>(pods, NS, {
          metadata: { name, labels: { app: "fleet" } },
          spec: { containers: [{ name: "c", image }] },
        });
      }
      const ep = await until("fleet endpoints", async () => {
        const s = summary(await getEndpoints("fleet"));
        return s.ready.length === 2 && s.notReady.length === 1 ? s : undefined;
      });
      for (const address of [...ep.ready, ...ep.notReady]) expect(address).toMatch(/^100\.64\.0\.\d+:80$/);
    } finally {
      stopKubelet();
    }
  });
});
