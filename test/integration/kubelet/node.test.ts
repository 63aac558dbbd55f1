/**
 * The kubelet's node side against a real etcd and apiserver, with the fake
 * runtime: registration, status heartbeats, kubectl's view, restarts, pods
 * bound to the node, and hollow nodes.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Node, type Pod } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import { startKubelet, type KubeletProcess, until } from "@ktl/testing";
import { KubectlRunner } from "../../e2e/kubectl-runner.js";
import { useApiserver } from "../cluster.js";

const NODES = findResource("", "nodes")!;
const PODS = findResource("", "pods")!;

const cluster = useApiserver();
let client: ApiClient;
let kubectl: KubectlRunner;
const started: KubeletProcess[] = [];

beforeAll(async () => {
  client = new ApiClient(cluster.apiserver.grpcAddress);
  kubectl = await KubectlRunner.create(cluster.apiserver.url);
});

afterAll(async () => {
  await Promise.allSettled(started.map((k) => k.stop()));
  client?.close();
  await kubectl?.dispose();
});

async function kubelet(nodeName: string, args: string[] = [], rootDir?: string): Promise<KubeletProcess> {
  const k = await startKubelet({
    apiserver: cluster.apiserver.grpcAddress,
    nodeName,
    runtime: "fake",
    args,
    rootDir,
  });
  started.push(k);
  return k;
}

const ready = (node: Node) => node.status?.conditions?.find((c) => c.type === "Ready");

async function metric(k: KubeletProcess, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${k.port}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no ${name} in /metrics`);
  return Number(line.slice(name.length + 1));
}

describe("kubelet node registration", () => {
  it("registers the Node with capacity, addresses, its port, nodeInfo, labels and Ready", async () => {
    const k = await kubelet("node-a", [
      "--cpu",
      "4",
      "--memory",
      "8Gi",
      "--max-pods",
      "50",
      "--node-labels",
      "zone=z1",
    ]);
    const node = await client.get<Node>(NODES, undefined, "node-a");
    expect(node.metadata?.labels).toMatchObject({
      "kubernetes.io/hostname": "node-a",
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      zone: "z1",
    });
    expect(node.status?.capacity).toMatchObject({ cpu: "4", memory: "8388608Ki", pods: "50" });
    expect(node.status?.capacity?.["ephemeral-storage"]).toMatch(/^\d+Ki$/);
    expect(node.status?.allocatable).toEqual(node.status?.capacity);
    expect(node.status?.addresses).toEqual([
      { type: "InternalIP", address: "127.0.0.1" },
      { type: "Hostname", address: "node-a" },
    ]);
    expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(k.port);
    expect(node.status?.nodeInfo).toMatchObject({
      kubeletVersion: "v1.30.0+ktl",
      containerRuntimeVersion: "fake://0.1.0",
      operatingSystem: "linux",
      architecture: "amd64",
    });
    expect(node.status?.nodeInfo?.osImage).not.toBe("");
    expect(node.status?.nodeInfo?.kernelVersion).not.toBe("");
    expect(ready(node)).toMatchObject({
      status: "True",
      reason: "KubeletReady",
      message: "kubelet is posting ready status",
    });
    expect(node.status?.conditions?.map((c) => c.type)).toEqual([
      "MemoryPressure",
      "DiskPressure",
      "PIDPressure",
      "Ready",
    ]);
    expect(await (await fetch(`http://127.0.0.1:${k.port}/healthz`)).text()).toBe("ok");
  });

  it("is Ready in kubectl get nodes -o wide, with its VERSION and INTERNAL-IP", async () => {
    const out = await kubectl.ok(["get", "nodes", "-o", "wide"]);
    const row = out.split("\n").find((l) => l.startsWith("node-a "));
    expect(out.split("\n")[0]).toMatch(
      /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE/,
    );
    expect(row?.split(/\s{2,}/).slice(0, 6)).toEqual([
      "node-a",
      "Ready",
      "<none>",
      expect.stringMatching(/^\d+s$/),
      "v1.30.0+ktl",
      "127.0.0.1",
    ]);
    expect(row).toContain("fake://0.1.0");
  });

  it("runs a pod bound to it: Running, Ready, with a pod IP", async () => {
    await client.create<Pod>(PODS, "default", {
      metadata: { name: "on-node-a" },
      spec: { nodeName: "node-a", containers: [{ name: "c", image: "busybox" }] },
    });
    const pod = await until("the pod to run", async () => {
      const p = await client.get<Pod>(PODS, "default", "on-node-a");
      return p.status?.phase === "Running" &&
        p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True")
        ? p
        : undefined;
    });
    expect(pod.status?.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(pod.status?.hostIP).toBe("127.0.0.1");
    expect(pod.status?.containerStatuses?.[0]).toMatchObject({ name: "c", ready: true, started: true });
    const out = await kubectl.ok(["get", "pod", "on-node-a", "-o", "wide"]);
    expect(out).toMatch(/on-node-a\s+1\/1\s+Running/);
    // The apiserver reaches this kubelet at the InternalIP and port the Node reports.
    expect(await kubectl.ok(["logs", "on-node-a"])).toBe("fake container c started\n");
  });

  it("an idle node writes its status only at the report interval", async () => {
    const k = await kubelet("node-idle", [
      "--node-status-report-seconds",
      "3",
      "--node-status-update-seconds",
      "1",
    ]);
    const heartbeats0 = await metric(k, 'kubelet_node_status_writes_total{reason="heartbeat"}');
    const changes0 = await metric(k, 'kubelet_node_status_writes_total{reason="changed"}');
    const before = await client.get<Node>(NODES, undefined, "node-idle");
    await sleep(10_000);
    const heartbeats =
      (await metric(k, 'kubelet_node_status_writes_total{reason="heartbeat"}')) - heartbeats0;
    // 10 s at one write per 3 s: 3, give or take one at either edge; nothing else.
    expect(heartbeats).toBeGreaterThanOrEqual(2);
    expect(heartbeats).toBeLessThanOrEqual(4);
    expect((await metric(k, 'kubelet_node_status_writes_total{reason="changed"}')) - changes0).toBe(0);
    expect(await metric(k, "kubelet_node_status_write_errors_total")).toBe(0);
    const after = await client.get<Node>(NODES, undefined, "node-idle");
    expect(Date.parse(ready(after)?.lastHeartbeatTime ?? "")).toBeGreaterThan(
      Date.parse(ready(before)?.lastHeartbeatTime ?? ""),
    );
    expect(ready(after)?.lastTransitionTime).toBe(ready(before)?.lastTransitionTime);
    expect(await metric(k, 'kubelet_node_heartbeat_lateness_seconds{quantile="0.99"}')).toBeLessThan(0.5);
  });

  it("a killed and restarted kubelet takes over the same Node", async () => {
    const rootDir = await mkdtemp(join(tmpdir(), "ktl-kubelet-restart-"));
    try {
      const first = await kubelet("node-r", ["--node-labels", "gen=1"], rootDir);
      const before = await client.get<Node>(NODES, undefined, "node-r");
      await client.patch<Node>(NODES, undefined, "node-r", { metadata: { labels: { "set-by": "admin" } } });
      await first.kill();
      const second = await kubelet("node-r", ["--node-labels", "gen=2"], rootDir);
      const after = await client.get<Node>(NODES, undefined, "node-r");
      expect(after.metadata?.uid).toBe(before.metadata?.uid);
      expect(after.metadata?.creationTimestamp).toBe(before.metadata?.creationTimestamp);
      expect(after.metadata?.labels).toMatchObject({ gen: "2", "set-by": "admin" });
      expect(after.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(second.port);
      expect(ready(after)?.status).toBe("True");
      expect(ready(after)?.lastTransitionTime).toBe(ready(before)?.lastTransitionTime);
      const nodes = await client.list<Node>(NODES, undefined);
      expect(nodes.items.filter((n) => n.metadata?.name === "node-r")).toHaveLength(1);
      await second.stop();
      // SIGTERM: a clean, prompt exit (not the harness's SIGKILL after its grace period).
      expect(second.child.process.exitCode).toBe(0);
    } finally {
      await rm(rootDir, { recursive: true, force: true });
    }
  });

  it("registers 50 Ready hollow nodes from one process, each with its own port", async () => {
    const k = await kubelet("hollow", ["--hollow-nodes", "50", "--node-status-report-seconds", "10"]);
    expect(k.nodeName).toBe("hollow-0");
    expect(new Set(k.ports).size).toBe(50);
    const nodes = (await client.list<Node>(NODES, undefined)).items.filter((n) =>
      n.metadata?.name?.startsWith("hollow-"),
    );
    expect(nodes).toHaveLength(50);
    expect(nodes.every((n) => ready(n)?.status === "True")).toBe(true);
    const ports = new Set(nodes.map((n) => n.status?.daemonEndpoints?.kubeletEndpoint?.Port));
    expect(ports).toEqual(new Set(k.ports));
    expect(await metric(k, "kubelet_registered_nodes")).toBe(50);
    const out = await kubectl.ok(["get", "nodes", "--no-headers", "-l", "kubernetes.io/os=linux"]);
    expect(out.split("\n").filter((l) => /^hollow-\d+\s+Ready\s/.test(l))).toHaveLength(50);
    // A pod bound to a hollow node runs there.
    await client.create<Pod>(PODS, "default", {
      metadata: { name: "on-hollow-7" },
      spec: { nodeName: "hollow-7", containers: [{ name: "c", image: "busybox" }] },
    });
    await until("the pod on hollow-7 to run", async () => {
      const p = await client.get<Pod>(PODS, "default", "on-hollow-7");
      return p.status?.phase === "Running" ? p : undefined;
    });
  });
});
