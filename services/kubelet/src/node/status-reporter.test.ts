import { describe, expect, it } from "vitest";
import type { Node } from "@ktl/api";
import { FakeApiClient } from "@ktl/client";
import type { Logger } from "@ktl/service";
import { FakeClock } from "../probes/fake-clock.js";
import { TimerQueue } from "../probes/timer-queue.js";
import { describeNode } from "./describe.js";
import { NodeStatusMetrics } from "./metrics.js";
import { READY, type NodeDescription, type Readiness } from "./node-status.js";
import { NODES } from "./register.js";
import { NodeStatusReporter } from "./status-reporter.js";

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function setup(options: { existing?: Node; spread?: () => number; reportIntervalMs?: number } = {}) {
  const clock = new FakeClock(Date.parse("2025-01-01T00:00:00Z"));
  const timers = new TimerQueue(clock);
  const client = new FakeApiClient();
  if (options.existing) client.seed(NODES, options.existing);
  const metrics = new NodeStatusMetrics();
  let description: NodeDescription = describeNode({
    name: "node-1",
    nodeIp: "127.0.0.1",
    port: 10250,
    resources: { cpu: 2, memoryBytes: 4 * 1024 ** 3, maxPods: 110 },
    extraLabels: { role: "worker" },
    taints: [{ key: "dedicated", value: "x", effect: "NoSchedule" }],
    system: {
      machineID: "m",
      systemUUID: "",
      bootID: "b",
      kernelVersion: "6.1",
      osImage: "Test",
      operatingSystem: "linux",
      architecture: "amd64",
    },
    runtimeVersion: "fake://0.1.0",
  });
  let readiness: Readiness = READY;
  const reporter = new NodeStatusReporter({
    client,
    description: () => description,
    readiness: () => Promise.resolve(readiness),
    timers,
    updateIntervalMs: 10_000,
    reportIntervalMs: options.reportIntervalMs ?? 60_000,
    metrics,
    log: quiet,
    spread: options.spread,
  });
  return {
    clock,
    client,
    metrics,
    reporter,
    node: () => client.stored<Node>(NODES, undefined, "node-1"),
    statusPatches: () =>
      client.actions.filter((a) => a.verb === "patch" && (a.patch as { status?: unknown }).status),
    setReadiness: (r: Readiness) => (readiness = r),
    setDescription: (d: Partial<NodeDescription>) => (description = { ...description, ...d }),
  };
}

describe("NodeStatusReporter", () => {
  it("creates the Node with labels, taints and a full status", async () => {
    const t = setup();
    const reg = await t.reporter.start();
    expect(reg.tookOver).toBe(false);
    const node = t.node();
    expect(node?.metadata?.labels).toMatchObject({ "kubernetes.io/hostname": "node-1", role: "worker" });
    expect(node?.spec?.taints).toEqual([{ key: "dedicated", value: "x", effect: "NoSchedule" }]);
    expect(node?.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(node?.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(10250);
    expect(t.metrics.writesTotal).toBe(1);
    t.reporter.stop();
  });

  it("writes an idle node only once per report interval, checking every update interval", async () => {
    const t = setup();
    await t.reporter.start();
    await t.clock.advance(59_000);
    expect(t.statusPatches()).toHaveLength(0);
    await t.clock.advance(1000);
    expect(t.statusPatches()).toHaveLength(1);
    await t.clock.advance(10 * 60_000);
    expect(t.statusPatches()).toHaveLength(11);
    expect(t.metrics.text()).toContain('kubelet_node_status_writes_total{reason="heartbeat"} 11');
    expect(t.metrics.text()).toContain('kubelet_node_heartbeat_lateness_seconds{quantile="0.99"} 0\n');
    // Heartbeat patches carry only the conditions.
    expect(Object.keys((t.statusPatches()[0]?.patch as { status: object }).status)).toEqual(["conditions"]);
    const ready = t.node()?.status?.conditions?.find((c) => c.type === "Ready");
    expect(ready?.lastHeartbeatTime).toBe("2025-01-01T00:11:00Z");
    expect(ready?.lastTransitionTime).toBe("2025-01-01T00:00:00Z");
    t.reporter.stop();
  });

  it("with heartbeats on NATS (report interval Infinity) writes only changes, and everything after a resync", async () => {
    const t = setup({ reportIntervalMs: Infinity, spread: () => 0.5 });
    await t.reporter.start();
    expect(t.reporter.ready).toBe(true);
    await t.clock.advance(60 * 60_000);
    expect(t.statusPatches()).toHaveLength(0);
    t.setReadiness({ ready: false, reason: "KubeletNotReady", message: "container runtime is down" });
    await t.clock.advance(10_000);
    expect(t.statusPatches()).toHaveLength(1);
    expect(t.reporter.ready).toBe(false);
    t.setReadiness(READY);
    await t.clock.advance(10_000);
    expect(t.statusPatches()).toHaveLength(2);
    // The controller overwrote Ready with Unknown; a resync writes the whole status back.
    t.reporter.resync();
    await t.clock.advance(0);
    expect(t.statusPatches()).toHaveLength(3);
    const patch = t.statusPatches()[2]?.patch as { status: object };
    expect(Object.keys(patch.status)).toContain("capacity");
    await t.clock.advance(60 * 60_000);
    expect(t.statusPatches()).toHaveLength(3);
    expect(t.metrics.text()).toContain('kubelet_node_status_writes_total{reason="heartbeat"} 0');
    t.reporter.stop();
  });

  it("writes a change at the next check, or at once when kicked", async () => {
    const t = setup();
    await t.reporter.start();
    t.setReadiness({ ready: false, reason: "KubeletNotReady", message: "container runtime is down" });
    await t.clock.advance(10_000);
    expect(t.statusPatches()).toHaveLength(1);
    const ready = t.node()?.status?.conditions?.find((c) => c.type === "Ready");
    expect(ready).toMatchObject({
      status: "False",
      reason: "KubeletNotReady",
      lastTransitionTime: "2025-01-01T00:00:10Z",
    });
    t.setDescription({ port: 4242 });
    t.reporter.kick();
    await t.clock.advance(0);
    expect(t.statusPatches()).toHaveLength(2);
    expect(t.node()?.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(4242);
    expect(t.metrics.text()).toContain('kubelet_node_status_writes_total{reason="changed"} 2');
    t.reporter.stop();
  });

  it("takes over an existing Node: keeps its podCIDR, other labels and transition times", async () => {
    const t = setup({
      existing: {
        metadata: { name: "node-1", labels: { keep: "me", "kubernetes.io/os": "linux" } },
        spec: { podCIDR: "100.64.3.0/24" },
        status: {
          conditions: [
            {
              type: "Ready",
              status: "True",
              lastTransitionTime: "2024-12-31T00:00:00Z",
              lastHeartbeatTime: "2024-12-31T00:00:00Z",
            },
          ],
          daemonEndpoints: { kubeletEndpoint: { Port: 1 } },
        },
      },
    });
    const reg = await t.reporter.start();
    expect(reg.tookOver).toBe(true);
    const node = t.node();
    expect(node?.spec?.podCIDR).toBe("100.64.3.0/24");
    expect(node?.spec?.taints).toBeUndefined(); // taints only on create
    expect(node?.metadata?.labels).toMatchObject({
      keep: "me",
      role: "worker",
      "kubernetes.io/hostname": "node-1",
    });
    expect(node?.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(10250);
    const ready = node?.status?.conditions?.find((c) => c.type === "Ready");
    expect(ready?.lastTransitionTime).toBe("2024-12-31T00:00:00Z");
    expect(ready?.lastHeartbeatTime).toBe("2025-01-01T00:00:00Z");
    t.reporter.stop();
  });

  it("re-registers a deleted Node, and retries failed writes sooner", async () => {
    const t = setup();
    await t.reporter.start();
    await t.client.delete(NODES, undefined, "node-1");
    await t.clock.advance(60_000); // heartbeat → 404
    expect(t.metrics.text()).toContain("kubelet_node_status_write_errors_total 1");
    await t.clock.advance(2000);
    expect(t.node()?.metadata?.name).toBe("node-1");
    let failing = true;
    t.client.react((a) => (failing && a.verb === "patch" ? new Error("unavailable") : undefined));
    await t.clock.advance(60_000);
    expect(t.metrics.text()).toContain("kubelet_node_status_write_errors_total 2");
    failing = false;
    const before = t.statusPatches().length;
    await t.clock.advance(2000);
    expect(t.statusPatches().length).toBe(before + 1);
    t.reporter.stop();
  });

  it("spreads the first heartbeat when asked", async () => {
    const t = setup({ spread: () => 0.75 });
    await t.reporter.start();
    await t.clock.advance(15_000);
    expect(t.statusPatches()).toHaveLength(1);
    t.reporter.stop();
    await t.clock.advance(120_000);
    expect(t.statusPatches()).toHaveLength(1);
  });
});
