/**
 * scheduler benchmark with simulated Node objects (no kubelet). For each
 * configuration (1,000 nodes / 10,000 pods and 5,000 nodes / 30,000 pods) it
 * prints, measured in one run:
 *  - pods bound per second by the scheduler working through a backlog
 *  - the ceiling: bindings per second the apiserver takes from a plain client
 *    at the same concurrency, and the ratio scheduler / ceiling. The plain
 *    client makes a unary Bind call per pod, as kubectl-like clients do; the
 *    scheduler binds over one BindStream (ApiClient.bindStreamed), which
 *    saves the per-call cost the ceiling still pays
 *  - p50/p99 time from pod creation to binding with the scheduler running
 * BENCH_SCALE scales node and pod counts.
 */
import { findResource, type Node, type Pod } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import { startApiserver, startEtcd, startScheduler } from "@ktl/testing";
import { fmt, row, summarize, throughput } from "../lib.js";

const SCALE = Number(process.env.BENCH_SCALE ?? "1");
const CONFIGS = [
  { nodes: 1000, pods: 10_000 },
  { nodes: 5000, pods: 30_000 },
].map((c) => ({ nodes: Math.round(c.nodes * SCALE), pods: Math.round(c.pods * SCALE) }));
/** In-flight bindings: the scheduler's binder and the plain client use the same. */
const BIND_CONCURRENCY = 64;
const LATENCY_PODS = Math.round(2000 * Math.min(1, SCALE * 2));

const nodesInfo = findResource("", "nodes")!;
const podsInfo = findResource("", "pods")!;
const namespaces = findResource("", "namespaces")!;

function node(i: number): Node {
  return {
    metadata: {
      name: `node-${String(i).padStart(5, "0")}`,
      labels: { "kubernetes.io/hostname": `node-${i}`, zone: `z${i % 3}` },
    },
    status: {
      capacity: { cpu: "32", memory: "128Gi", pods: "110" },
      allocatable: { cpu: "32", memory: "128Gi", pods: "110" },
      conditions: [{ type: "Ready", status: "True" }],
    },
  };
}

function pod(name: string, owner: number): Pod {
  return {
    metadata: {
      name,
      labels: { app: `app-${owner}` },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: `rs-${owner}`,
          uid: `00000000-0000-0000-0000-${String(owner).padStart(12, "0")}`,
          controller: true,
        },
      ],
    },
    spec: {
      containers: [
        { name: "c", image: "busybox", resources: { requests: { cpu: "100m", memory: "128Mi" } } },
      ],
    },
  };
}

async function run(config: { nodes: number; pods: number }): Promise<void> {
  const etcd = await startEtcd();
  const apiserver = await startApiserver({ etcd: etcd.endpoint, args: ["--watch-cache-events", "500000"] });
  const client = new ApiClient(apiserver.grpcAddress);
  try {
    await throughput(config.nodes, 64, async (i) => {
      await client.create<Node>(nodesInfo, undefined, node(i));
    });
    // Ceiling: a plain client binding pre-created pods, same concurrency as the scheduler's binder.
    await client.create(namespaces, undefined, { metadata: { name: "ceiling" } });
    const ceilingPods = Math.min(config.pods, 5000);
    await throughput(ceilingPods, 64, async (i) => {
      await client.create<Pod>(podsInfo, "ceiling", pod(`c-${i}`, i % 100));
    });
    const ceiling = await throughput(ceilingPods, BIND_CONCURRENCY, async (i) => {
      await client.bind("ceiling", `c-${i}`, node(i % config.nodes).metadata!.name!);
    });

    // Throughput: a backlog of pending pods, then the scheduler starts.
    await client.create(namespaces, undefined, { metadata: { name: "backlog" } });
    await throughput(config.pods, 64, async (i) => {
      await client.create<Pod>(podsInfo, "backlog", pod(`p-${i}`, i % 1000));
    });
    const rv = (await client.list(podsInfo, "backlog", { limit: 1 })).metadata.resourceVersion;
    const abort = new AbortController();
    let bound = 0;
    let firstBind = 0;
    let lastBind = 0;
    const watching = (async () => {
      for await (const ev of client.watch<Pod>(podsInfo, "backlog", { resourceVersion: rv }, abort.signal)) {
        if (ev.type !== "MODIFIED" || !ev.object.spec?.nodeName) continue;
        lastBind = performance.now();
        if (bound++ === 0) firstBind = lastBind;
        if (bound >= config.pods) abort.abort();
      }
    })().catch(() => undefined);
    const started = performance.now();
    const scheduler = await startScheduler({
      apiserver: apiserver.grpcAddress,
      args: ["--leader-elect", "false"],
    });
    const timer = setTimeout(() => abort.abort(), 600_000);
    await watching;
    clearTimeout(timer);
    const rate = bound / ((lastBind - firstBind) / 1000);

    // Latency: pods created one by one (16 in flight) while the scheduler runs.
    await client.create(namespaces, undefined, { metadata: { name: "latency" } });
    const createdAt = new Map<string, number>();
    const latencies: number[] = [];
    const lrv = (await client.list(podsInfo, "latency")).metadata.resourceVersion;
    const labort = new AbortController();
    const lwatch = (async () => {
      for await (const ev of client.watch<Pod>(
        podsInfo,
        "latency",
        { resourceVersion: lrv },
        labort.signal,
      )) {
        const at = createdAt.get(ev.object.metadata?.name ?? "");
        if (ev.type === "MODIFIED" && ev.object.spec?.nodeName && at !== undefined) {
          latencies.push(performance.now() - at);
          if (latencies.length >= LATENCY_PODS) labort.abort();
        }
      }
    })().catch(() => undefined);
    await throughput(LATENCY_PODS, 16, async (i) => {
      const name = `l-${i}`;
      createdAt.set(name, performance.now());
      await client.create<Pod>(podsInfo, "latency", pod(name, i % 100));
    });
    const ltimer = setTimeout(() => labort.abort(), 120_000);
    await lwatch;
    clearTimeout(ltimer);
    await scheduler.stop();
    const l = summarize(latencies);

    console.log(`\n${config.nodes} nodes, ${config.pods} pending pods`);
    row(
      "pods bound/s by the scheduler (backlog)",
      `${fmt(rate, 0)}  (all bound ${fmt((lastBind - started) / 1000, 1)} s after start)`,
    );
    row(`bindings/s from a plain client, concurrency ${BIND_CONCURRENCY} (ceiling)`, fmt(ceiling, 0));
    row("ratio scheduler / ceiling", fmt(rate / ceiling, 2));
    row(
      `creation → binding p50 / p99 (n=${l.n}, 16 creates in flight)`,
      `${fmt(l.p50, 1)} / ${fmt(l.p99, 1)} ms`,
    );
  } finally {
    client.close();
    await apiserver.stop();
    await etcd.stop();
  }
}

async function main(): Promise<void> {
  console.log(
    `scheduler benchmark (scale ${SCALE}), node ${process.version}; reference: kube-scheduler CI floor 270 pods/s at 5,000 nodes`,
  );
  for (const config of CONFIGS) await run(config);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
