/**
 * Events on NATS JetStream with real processes: NATS, etcd, the apiserver,
 * the controller-manager and the scheduler (a fake kubelet marks pods ready),
 * and the real kubectl. Events must show up in `kubectl get events` and
 * `kubectl describe`, aggregate, survive NATS outages without blocking
 * anyone, and never touch etcd.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Etcd3 } from "etcd3";
import { findResource, type Event, type Node } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import { Bus } from "@ktl/nats";
import { EventRecorder, KINDS, busSink, referenceTo } from "@ktl/events";
import type { Logger } from "@ktl/service";
import {
  startApiserver,
  startControllerManager,
  startEtcd,
  startFakeKubelet,
  startNats,
  startScheduler,
  type ApiserverProcess,
  type EtcdServer,
  type NatsServer,
  type ServiceProcess,
  until,
} from "@ktl/testing";
import { KubectlRunner } from "../../e2e/kubectl-runner.js";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const NODES = findResource("", "nodes")!;
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

let nats: NatsServer;
let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let manager: ServiceProcess;
let scheduler: ServiceProcess;
let client: ApiClient;
let kubectl: KubectlRunner;
let bus: Bus;
let recorder: EventRecorder;
let stopKubelet: (() => void) | undefined;

async function listEvents(
  query = "",
  namespace = "default",
): Promise<{ status: number; body: { items?: Event[]; message?: string } }> {
  const res = await fetch(`${apiserver.url}/api/v1/namespaces/${namespace}/events${query}`);
  return { status: res.status, body: (await res.json()) as { items?: Event[]; message?: string } };
}

beforeAll(async () => {
  nats = await startNats();
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint, args: ["--nats-servers", nats.url] });
  client = new ApiClient(apiserver.grpcAddress);
  manager = await startControllerManager({
    apiserver: apiserver.grpcAddress,
    args: ["--controllers", "replicaset,deployment", "--leader-elect", "false", "--nats-servers", nats.url],
  });
  scheduler = await startScheduler({
    apiserver: apiserver.grpcAddress,
    args: ["--leader-elect", "false", "--nats-servers", nats.url],
  });
  const allocatable = { cpu: "4", memory: "8Gi", pods: "110" };
  await client.create<Node>(NODES, undefined, {
    metadata: { name: "node-1" },
    status: { capacity: allocatable, allocatable, conditions: [{ type: "Ready", status: "True" }] },
  });
  stopKubelet = startFakeKubelet({ client, namespace: "default", startupMs: 100 });
  kubectl = await KubectlRunner.create(apiserver.url);
  bus = Bus.connect({ servers: nats.url, name: "events test", log: quiet, reconnectWaitMs: 200 });
  recorder = new EventRecorder({ sink: busSink(bus), component: "events-test", host: "here" });
  await until("the events API", async () => ((await listEvents()).status === 200 ? true : undefined));
}, 90_000);

afterAll(async () => {
  stopKubelet?.();
  await bus?.close();
  await kubectl?.dispose();
  await scheduler?.stop();
  await manager?.stop();
  await apiserver?.stop();
  await etcd?.stop();
  await nats?.stop();
});

describe("events on NATS", () => {
  it("shows a rollout's events in kubectl get events and kubectl describe deployment", async () => {
    const manifest = JSON.stringify({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "default" },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "web", image: "registry.k8s.io/pause:3.9" }] },
        },
      },
    });
    const { writeFile, mkdtemp, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(join(tmpdir(), "ktl-events-"));
    const file = join(dir, "web.json");
    await writeFile(file, manifest);
    try {
      await kubectl.ok(["apply", "-f", file]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    let lastOut = "";
    const table = await until(`the rollout's events (last: ${lastOut})`, async () => {
      const out = await kubectl.ok(["get", "events", "-n", "default"]);
      lastOut = out;
      return ["ScalingReplicaSet", "SuccessfulCreate", "Scheduled"].every((r) => out.includes(r))
        ? out
        : undefined;
    });
    const header = table.split("\n")[0] ?? "";
    expect(header).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    expect(table).toMatch(
      /Normal\s+ScalingReplicaSet\s+deployment\/web\s+Scaled up replica set web-[a-z0-9]+ to 3/,
    );
    expect(table).toMatch(
      /Normal\s+Scheduled\s+pod\/web-[a-z0-9]+-[a-z0-9]+\s+Successfully assigned default\/web-\S+ to node-1/,
    );
    expect(table).toMatch(/replicaset\/web-[a-z0-9]+\s+Created pod: web-/);

    const described = await kubectl.ok(["describe", "deployment", "web"]);
    expect(described).toMatch(/Events:\s*\n\s+Type\s+Reason\s+Age\s+From\s+Message/);
    expect(described).toMatch(
      /Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set web-/,
    );

    // ktl's own describe prints the same section.
    const ktl = await promisify(execFile)(process.execPath, [
      join(REPO_ROOT, "services/ktl/dist/main.js"),
      "--server",
      apiserver.url,
      "describe",
      "deployment",
      "web",
    ]);
    expect(ktl.stdout).toMatch(/Events:\s*\n\s+Type\s+Reason\s+Age\s+From\s+Message/);
    expect(ktl.stdout).toMatch(
      /Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set web-/,
    );

    // Field selectors run on the server.
    const onlyDeployment = await listEvents(
      "?fieldSelector=involvedObject.kind%3DDeployment,involvedObject.name%3Dweb",
    );
    expect(onlyDeployment.status).toBe(200);
    expect(onlyDeployment.body.items?.length).toBeGreaterThan(0);
    expect(onlyDeployment.body.items?.every((e) => e.involvedObject?.kind === "Deployment")).toBe(true);
    const scheduled = await listEvents("?fieldSelector=reason%3DScheduled,source%3Ddefault-scheduler");
    expect(scheduled.body.items?.length).toBe(3);
    const bad = await listEvents("?fieldSelector=spec.nope%3Dx");
    expect(bad.status).toBe(400);
  }, 60_000);

  it("aggregates repeated identical events into one event with a rising count", async () => {
    const target = referenceTo(
      { metadata: { name: "flaky", namespace: "default", uid: "u-flaky" } },
      KINDS.Pod,
    );
    // A watch sees the event ADDED, then MODIFIED as its count rises.
    const controller = new AbortController();
    const watch = await fetch(
      `${apiserver.url}/api/v1/namespaces/default/events?watch=true&fieldSelector=involvedObject.name%3Dflaky`,
      { signal: controller.signal },
    );
    expect(watch.status).toBe(200);
    const seen: { type: string; count?: number }[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffered = "";
      for await (const chunk of watch.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let nl;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = JSON.parse(buffered.slice(0, nl)) as { type: string; object: Event };
          buffered = buffered.slice(nl + 1);
          seen.push({ type: line.type, count: line.object.count });
        }
      }
    })().catch(() => undefined);

    for (let i = 0; i < 3; i++) {
      recorder.event(target, "Warning", "BackOff", "Back-off restarting failed container");
      await sleep(50);
    }
    const items = await until("three occurrences in one event", async () => {
      const { body } = await listEvents("?fieldSelector=involvedObject.name%3Dflaky");
      return body.items?.[0]?.count === 3 ? body.items : undefined;
    });
    expect(items).toHaveLength(1);
    expect(items[0]?.metadata?.name).toMatch(/^flaky\.[0-9a-f]+$/);
    expect(items[0]?.firstTimestamp).toBeDefined();
    await until("the watch's MODIFIED", async () => (seen.length >= 3 ? true : undefined), 5000);
    expect(seen[0]).toEqual({ type: "ADDED", count: 1 });
    expect(seen.slice(1)).toEqual([
      { type: "MODIFIED", count: 2 },
      { type: "MODIFIED", count: 3 },
    ]);
    controller.abort();
    await reading;

    const one = await fetch(`${apiserver.url}/api/v1/namespaces/default/events/${items[0]?.metadata?.name}`);
    expect(((await one.json()) as Event).count).toBe(3);
  }, 30_000);

  it("creates, reads and deletes events through the REST API as kubectl and client-go do", async () => {
    const body = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "manual.1", namespace: "default" },
      involvedObject: { kind: "Pod", name: "manual", namespace: "default", apiVersion: "v1" },
      reason: "Testing",
      message: "made by hand",
      type: "Normal",
      count: 1,
      source: { component: "tester" },
    };
    const post = (): Promise<Response> =>
      fetch(`${apiserver.url}/api/v1/namespaces/default/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const created = await post();
    expect(created.status).toBe(201);
    expect((await post()).status).toBe(409);
    const patched = await fetch(`${apiserver.url}/api/v1/namespaces/default/events/manual.1`, {
      method: "PATCH",
      headers: { "content-type": "application/strategic-merge-patch+json" },
      body: JSON.stringify({ count: 2 }),
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as Event).count).toBe(2);
    const got = await kubectl.ok(["get", "event", "manual.1", "-o", "json"]);
    expect((JSON.parse(got) as Event).count).toBe(2);
    await kubectl.ok(["delete", "event", "manual.1"]);
    const gone = await fetch(`${apiserver.url}/api/v1/namespaces/default/events/manual.1`);
    expect(gone.status).toBe(404);
  }, 30_000);

  it("keeps recording without blocking while NATS is down: the API answers 503, then events flow again", async () => {
    await nats.pause();
    const target = referenceTo(
      { metadata: { name: "outage", namespace: "default", uid: "u-out" } },
      KINDS.Pod,
    );
    await until("the apiserver to notice", async () =>
      (await listEvents()).status === 503 ? true : undefined,
    );
    const down = await listEvents();
    expect(down.body.message).toMatch(/the events store \(NATS\) is unavailable/);
    // The rest of the API keeps working.
    expect((await fetch(`${apiserver.url}/api/v1/namespaces/default/pods`)).status).toBe(200);

    const before = recorder.dropped.nats_unavailable;
    const started = performance.now();
    for (let i = 0; i < 20; i++) recorder.event(target, "Normal", "Pulling", "Pulling image %d", i);
    expect(performance.now() - started).toBeLessThan(200);
    expect(recorder.dropped.nats_unavailable).toBeGreaterThan(before);

    await nats.resume();
    await until(
      "the events API back",
      async () => ((await listEvents()).status === 200 ? true : undefined),
      30_000,
    );
    await until("bus reconnected", async () => (bus.connected ? true : undefined), 30_000);
    recorder.event(target, "Normal", "Started", "Started container after the outage");
    await until("an event after the outage", async () => {
      const { body } = await listEvents("?fieldSelector=involvedObject.name%3Doutage,reason%3DStarted");
      return body.items?.length === 1 ? true : undefined;
    });
    // Events recorded before the outage are still there (JetStream's file store).
    expect((await listEvents("?fieldSelector=involvedObject.name%3Dflaky")).body.items).toHaveLength(1);
  }, 90_000);

  it("writes nothing to etcd under /registry/events", async () => {
    const etcdClient = new Etcd3({ hosts: etcd.endpoint });
    try {
      const keys = await etcdClient.getAll().prefix("/registry/events").keys();
      expect(keys).toEqual([]);
      // …while the rest of the cluster is there.
      expect((await etcdClient.getAll().prefix("/registry/").keys()).length).toBeGreaterThan(0);
    } finally {
      etcdClient.close();
    }
  });
});

describe("events API without NATS", () => {
  let plain: ApiserverProcess | undefined;
  afterAll(async () => plain?.stop());
  it("answers 503: the events store is not configured", async () => {
    plain = await startApiserver({ etcd: etcd.endpoint, args: ["--etcd-prefix", "/other"] });
    const res = await fetch(`${plain.url}/api/v1/events`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /the events store \(NATS\) is not configured/,
    );
    const discovery = (await (await fetch(`${plain.url}/api/v1`)).json()) as {
      resources: { name: string }[];
    };
    expect(discovery.resources.map((r) => r.name)).toContain("events");
  }, 30_000);
});
