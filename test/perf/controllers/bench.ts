/**
 * controllers benchmark. Prints, measured in one run on this machine:
 *  - time from creating 100 Deployments × 10 replicas to all 1,000 pods existing
 *  - pods created per second by the controllers vs pod creates per second the
 *    apiserver takes from a plain client at the same concurrency (the ratio says
 *    how close the controllers come to the apiserver's limit)
 *  - reconcile latency p50/p99 per controller (from the work queues' histograms)
 * BENCH_SCALE scales the number of Deployments.
 */
import { findResource, type Deployment, type Pod } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import { startApiserver, startControllerManager, startEtcd } from "@ktl/testing";
import { fmt, row, throughput } from "../lib.js";

const SCALE = Number(process.env.BENCH_SCALE ?? "1");
const DEPLOYMENTS = Math.max(1, Math.round(100 * SCALE));
const REPLICAS = 10;
const PODS = DEPLOYMENTS * REPLICAS;
/** The plain client's concurrency: as many requests in flight as the controllers' workers can have. */
const CONCURRENCY = 16;

const pods = findResource("", "pods")!;
const deployments = findResource("apps", "deployments")!;
const namespaces = findResource("", "namespaces")!;

function deployment(i: number): Deployment {
  const labels = { app: `bench-${i}` };
  return {
    metadata: { name: `bench-${i}` },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: "web", image: "busybox:1.36" }] } },
    },
  };
}

async function main(): Promise<void> {
  const etcd = await startEtcd();
  const apiserver = await startApiserver({ etcd: etcd.endpoint });
  const client = new ApiClient(apiserver.grpcAddress);
  const cm = await startControllerManager({
    apiserver: apiserver.grpcAddress,
    args: ["--controllers", "replicaset,deployment", "--leader-elect", "false"],
  });
  console.log(`controllers benchmark (${DEPLOYMENTS} Deployments × ${REPLICAS}), node ${process.version}`);
  try {
    // Ceiling: plain pod creates at the same concurrency.
    await client.create(namespaces, undefined, { metadata: { name: "plain" } });
    const plain = await throughput(PODS, CONCURRENCY, async (i) => {
      await client.create<Pod>(pods, "plain", {
        metadata: { name: `p-${i}`, labels: { app: "plain" } },
        spec: { containers: [{ name: "web", image: "busybox:1.36" }] },
      });
    });

    await client.create(namespaces, undefined, { metadata: { name: "bench" } });
    const rv = (await client.list(pods, "bench")).metadata.resourceVersion;
    const abort = new AbortController();
    let seen = 0;
    let firstPodAt = 0;
    let lastPodAt = 0;
    const counted = (async () => {
      for await (const ev of client.watch<Pod>(pods, "bench", { resourceVersion: rv }, abort.signal)) {
        if (ev.type !== "ADDED") continue;
        lastPodAt = performance.now();
        if (seen++ === 0) firstPodAt = lastPodAt;
        if (seen >= PODS) abort.abort();
      }
    })();
    const started = performance.now();
    await throughput(DEPLOYMENTS, CONCURRENCY, async (i) => {
      await client.create<Deployment>(deployments, "bench", deployment(i));
    });
    const created = performance.now();
    const timeout = setTimeout(() => abort.abort(), 300_000);
    await counted;
    clearTimeout(timeout);
    if (seen < PODS) throw new Error(`only ${seen} of ${PODS} pods appeared`);

    const total = (lastPodAt - started) / 1000;
    const controllerRate = PODS / ((lastPodAt - firstPodAt) / 1000);
    console.log();
    row(`time from first Deployment create to all ${PODS} pods`, `${fmt(total, 2)} s`);
    row(`  (creating the ${DEPLOYMENTS} Deployments took)`, `${fmt((created - started) / 1000, 2)} s`);
    row("pods created/s by the controllers", fmt(controllerRate, 0));
    row(`pod creates/s from a plain client, concurrency ${CONCURRENCY}`, fmt(plain, 0));
    row("ratio controllers / plain client", fmt(controllerRate / plain, 2));

    const metrics = await (await fetch(`${cm.healthUrl}/metrics`)).text();
    console.log();
    for (const name of ["replicaset", "deployment"]) {
      const q = quantiles(metrics, "workqueue_work_duration_seconds", name);
      row(
        `reconcile latency ${name} p50 / p99 (n=${q.count})`,
        `${fmt(q.p50 * 1000, 1)} / ${fmt(q.p99 * 1000, 1)} ms`,
      );
      const w = quantiles(metrics, "workqueue_queue_duration_seconds", name);
      row(`queue wait ${name} p50 / p99`, `${fmt(w.p50 * 1000, 1)} / ${fmt(w.p99 * 1000, 1)} ms`);
    }
  } finally {
    client.close();
    await cm.stop();
    await apiserver.stop();
    await etcd.stop();
  }
}

/** Quantiles from a Prometheus histogram (upper bucket bounds, as Prometheus' histogram_quantile without interpolation). */
function quantiles(text: string, metric: string, queue: string): { p50: number; p99: number; count: number } {
  const re = new RegExp(`^${metric}_bucket\\{name="${queue}[^"]*",le="([^"]+)"\\} (\\d+)`, "gm");
  const buckets: [number, number][] = [];
  for (const m of text.matchAll(re)) buckets.push([m[1] === "+Inf" ? Infinity : Number(m[1]), Number(m[2])]);
  const count = buckets[buckets.length - 1]?.[1] ?? 0;
  const at = (q: number): number => buckets.find(([, c]) => c >= q * count)?.[0] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), count };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
