/**
 * Node heartbeats over NATS at scale (run after `pnpm build`):
 *
 *   tsx test/perf/signals/bench.ts [--nodes 1000] [--window 10] [--dead 8] [--grace 5]
 *
 * 1. N hollow nodes heartbeat every second over NATS while idle: etcd writes
 *    per second over a window (the etcd revision delta), against Kubernetes'
 *    Lease design (each node renews its Lease every 10 s: N/10 writes/s).
 * 2. Detection delay: `--dead` single fake kubelets are stopped at once; the
 *    time until each Node shows Ready=Unknown, p50/p99 (it includes the grace
 *    period; the part above it is the controller's own delay).
 * Everything runs on loopback and is torn down at the end; bounded by timeouts.
 */
import { parseArgs } from "node:util";
import { findResource, type Node } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import {
  startApiserver,
  startControllerManager,
  startEtcd,
  startKubelet,
  startNats,
  type KubeletProcess,
} from "@ktl/testing";
import { fmt, row, summarize } from "../lib.js";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "1000" },
    window: { type: "string", default: "10" },
    dead: { type: "string", default: "8" },
    grace: { type: "string", default: "5" },
  },
});
const N = Number(values.nodes);
const WINDOW_S = Number(values.window);
const DEAD = Number(values.dead);
const GRACE_S = Number(values.grace);
const NODES = findResource("", "nodes")!;

const nats = await startNats();
const etcd = await startEtcd();
const apiserver = await startApiserver({ etcd: etcd.endpoint });
const client = new ApiClient(apiserver.grpcAddress);
const cleanups: (() => Promise<void>)[] = [];
const bail = setTimeout(() => {
  console.error("benchmark took too long; giving up");
  process.exitCode = 1;
  void cleanup().then(() => process.exit(1));
}, 10 * 60_000);

async function cleanup(): Promise<void> {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  client.close();
  await apiserver.stop();
  await etcd.stop();
  await nats.stop();
}

async function etcdRevision(): Promise<number> {
  const res = await fetch(`${etcd.endpoint}/v3/kv/range`, {
    method: "POST",
    body: JSON.stringify({ key: Buffer.from("/ktl-probe").toString("base64") }),
  });
  return Number(((await res.json()) as { header: { revision: string } }).header.revision);
}

async function metric(url: string | undefined, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(
    text
      .split("\n")
      .find((l) => l.startsWith(`${name} `))
      ?.split(" ")[1] ?? NaN,
  );
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

try {
  const manager = await startControllerManager({
    apiserver: apiserver.grpcAddress,
    args: [
      ...["--controllers", "node-ipam,node-lifecycle", "--leader-elect", "false"],
      ...["--cluster-cidr", "100.64.0.0/12", "--node-cidr-mask-size", "24"],
      ...["--nats-servers", nats.url, "--node-monitor-grace-period", String(GRACE_S)],
      ...["--node-monitor-period", "0.5"],
    ],
  });
  cleanups.push(() => manager.stop());
  const natsArgs = ["--nats-servers", nats.url, "--heartbeat-seconds", "1"];

  console.log(`\nNode heartbeats over NATS: ${N} hollow nodes, heartbeat 1 s, grace ${GRACE_S} s`);
  const started = Date.now();
  const hollow = await startKubelet({
    apiserver: apiserver.grpcAddress,
    nodeName: "sig",
    runtime: "fake",
    timeoutMs: 300_000,
    args: ["--hollow-nodes", String(N), ...natsArgs],
  });
  cleanups.push(() => hollow.stop());
  row("hollow nodes started", `${N} in ${fmt((Date.now() - started) / 1000)} s`);
  await sleep(3_000); // the last podCIDRs and first reports land

  const [r0, h0, w0] = [
    await etcdRevision(),
    await metric(manager.healthUrl, "node_lifecycle_heartbeats_total"),
    await metric(manager.healthUrl, "node_lifecycle_status_writes_total"),
  ];
  await sleep(WINDOW_S * 1000);
  const [r1, h1, w1] = [
    await etcdRevision(),
    await metric(manager.healthUrl, "node_lifecycle_heartbeats_total"),
    await metric(manager.healthUrl, "node_lifecycle_status_writes_total"),
  ];
  row("heartbeats received /s", fmt((h1 - h0) / WINDOW_S));
  row("etcd writes /s (idle, NATS)", fmt((r1 - r0) / WINDOW_S, 2));
  row("controller status writes", String(w1 - w0));
  row("Kubernetes Lease design /s", `${fmt(N / 10)} (one Lease renewal per node per 10 s)`);
  row("kubelet status heartbeats /s", `${fmt(N / 60)} (our default without NATS: one per node per 60 s)`);

  // Detection delay: single fake kubelets among the hollow ones, stopped together.
  const dead: KubeletProcess[] = await Promise.all(
    Array.from({ length: DEAD }, (_, i) =>
      startKubelet({
        apiserver: apiserver.grpcAddress,
        nodeName: `sig-dead-${i}`,
        runtime: "fake",
        args: natsArgs,
      }),
    ),
  );
  await sleep(2_000);
  const stoppedAt = new Map<string, number>();
  await Promise.all(
    dead.map(async (k) => {
      // From SIGTERM: the kubelet's last beat was up to a heartbeat interval before.
      stoppedAt.set(k.nodeName, Date.now());
      await k.stop();
    }),
  );
  const delays: number[] = [];
  const pending = new Set(stoppedAt.keys());
  const deadline = Date.now() + (GRACE_S + 30) * 1000;
  while (pending.size > 0 && Date.now() < deadline) {
    for (const name of [...pending]) {
      const n = await client.get<Node>(NODES, undefined, name);
      if (n.status?.conditions?.find((c) => c.type === "Ready")?.status === "Unknown") {
        delays.push(Date.now() - (stoppedAt.get(name) ?? 0));
        pending.delete(name);
      }
    }
    await sleep(50);
  }
  const s = summarize(delays);
  row("dead nodes detected", `${s.n} of ${DEAD}`);
  row(
    "detection delay p50 / p99",
    `${fmt(s.p50 / 1000, 2)} s / ${fmt(s.p99 / 1000, 2)} s (grace ${GRACE_S} s)`,
  );
  row(
    "  above the grace p50 / p99",
    `${fmt((s.p50 - GRACE_S * 1000) / 1000, 2)} s / ${fmt((s.p99 - GRACE_S * 1000) / 1000, 2)} s`,
  );
  const unknownHollow = (await client.list<Node>(NODES, undefined)).items.filter(
    (n) =>
      n.metadata?.name?.startsWith("sig-") &&
      !n.metadata.name.startsWith("sig-dead-") &&
      n.status?.conditions?.find((c) => c.type === "Ready")?.status !== "True",
  ).length;
  row("live hollow nodes not Ready", String(unknownHollow));
} finally {
  clearTimeout(bail);
  await cleanup();
}
