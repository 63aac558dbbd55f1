/**
 * Hollow-node benchmark: how many hollow nodes (fake runtime, no pods) one
 * kubelet process sustains with node status heartbeats on time. For each N
 * (100, 250, 500, 1,000 by default; HOLLOW_COUNTS=a,b,c overrides) it starts
 * one kubelet process with --hollow-nodes N and a 10 s report interval
 * against a real etcd + apiserver, lets it settle for one interval, then
 * observes WINDOW_S seconds and prints:
 *  - start: process start → all N Nodes registered ("kubelet ready")
 *  - heartbeat writes/s (expected N / 10)
 *  - lateness p50/p99 of heartbeats inside the kubelet (write completed vs due)
 *  - lateness p50/p99 as seen through a Node watch: gap between two updates
 *    of the same Node minus the interval, and the share of nodes whose every
 *    gap stayed within interval + 1 s ("on time")
 *  - the process's RSS, CPU (share of one core) and event-loop delay p99
 * Bounded: at most ~(start + 10 s + WINDOW_S) per N.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { findResource, type Node } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import { startApiserver, startEtcd, startKubelet } from "@ktl/testing";
import { fmt, rssMiB, summarize } from "../lib.js";

const COUNTS = (process.env.HOLLOW_COUNTS ?? "100,250,500,1000").split(",").map(Number);
const INTERVAL_S = Number(process.env.HOLLOW_INTERVAL_S ?? "10");
const WINDOW_S = Number(process.env.HOLLOW_WINDOW_S ?? "40");

const nodesInfo = findResource("", "nodes")!;

interface Figures {
  readonly n: number;
  readonly startS: number;
  readonly writesPerS: number;
  readonly internal: { p50: number; p99: number };
  readonly watched: { p50: number; p99: number; max: number; onTime: number; observed: number };
  readonly rssMiB: number;
  readonly cpuPct: number;
  readonly loopP99Ms: number;
}

async function scrape(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

const heartbeats = (m: Map<string, number>): number =>
  m.get('kubelet_node_status_writes_total{reason="heartbeat"}') ?? 0;

async function run(client: ApiClient, apiserver: string, n: number): Promise<Figures> {
  const prefix = `h${n}`;
  const started = performance.now();
  const kubelet = await startKubelet({
    apiserver,
    nodeName: prefix,
    runtime: "fake",
    args: [
      "--hollow-nodes",
      String(n),
      "--node-status-report-seconds",
      String(INTERVAL_S),
      "--node-status-update-seconds",
      String(INTERVAL_S),
    ],
    timeoutMs: 300_000,
  });
  const startS = (performance.now() - started) / 1000;
  try {
    // Settle: every node's first (spread) heartbeat falls within one interval.
    await sleep(INTERVAL_S * 1000);
    const rv = (await client.list(nodesInfo, undefined, { limit: 1 })).metadata.resourceVersion;
    const abort = new AbortController();
    const seen = new Map<string, number[]>();
    const watching = (async () => {
      for await (const ev of client.watch<Node>(
        nodesInfo,
        undefined,
        { resourceVersion: rv },
        abort.signal,
      )) {
        const name = ev.object.metadata?.name ?? "";
        if (ev.type !== "MODIFIED" || !name.startsWith(`${prefix}-`)) continue;
        let times = seen.get(name);
        if (!times) seen.set(name, (times = []));
        times.push(performance.now());
      }
    })().catch(() => undefined);
    const before = await scrape(kubelet.port);
    const cpu0 = before.get("process_cpu_seconds_total") ?? 0;
    const t0 = performance.now();
    const rssSamples: number[] = [];
    const loopSamples: number[] = [];
    while (performance.now() - t0 < WINDOW_S * 1000) {
      await sleep(5000);
      rssSamples.push(await rssMiB(kubelet.child.pid ?? 0));
      // Each scrape resets the event-loop histogram: every sample covers the last 5 s.
      loopSamples.push(
        ((await scrape(kubelet.port)).get('kubelet_event_loop_delay_seconds{quantile="0.99"}') ?? 0) * 1000,
      );
    }
    const after = await scrape(kubelet.port);
    const elapsed = (performance.now() - t0) / 1000;
    abort.abort();
    await watching;

    const gaps: number[] = [];
    let onTime = 0;
    for (const times of seen.values()) {
      let late = false;
      for (let i = 1; i < times.length; i++) {
        const gap = (times[i] as number) - (times[i - 1] as number) - INTERVAL_S * 1000;
        gaps.push(Math.max(0, gap));
        if (gap > 1000) late = true;
      }
      if (!late && times.length >= 2) onTime++;
    }
    const g = summarize(gaps);
    return {
      n,
      startS,
      writesPerS: (heartbeats(after) - heartbeats(before)) / elapsed,
      internal: {
        p50: (after.get('kubelet_node_heartbeat_lateness_seconds{quantile="0.5"}') ?? NaN) * 1000,
        p99: (after.get('kubelet_node_heartbeat_lateness_seconds{quantile="0.99"}') ?? NaN) * 1000,
      },
      watched: { p50: g.p50, p99: g.p99, max: g.max, onTime: onTime / n, observed: seen.size },
      rssMiB: Math.max(...rssSamples),
      cpuPct: (100 * ((after.get("process_cpu_seconds_total") ?? 0) - cpu0)) / elapsed,
      loopP99Ms: Math.max(...loopSamples),
    };
  } finally {
    await kubelet.stop();
  }
}

async function main(): Promise<void> {
  console.log(
    `hollow-node benchmark: one kubelet process, --hollow-nodes N, heartbeat every ${INTERVAL_S} s, ` +
      `${WINDOW_S} s observed per N; node ${process.version}`,
  );
  const etcd = await startEtcd();
  const apiserver = await startApiserver({ etcd: etcd.endpoint });
  const client = new ApiClient(apiserver.grpcAddress);
  const results: Figures[] = [];
  try {
    for (const n of COUNTS) {
      const f = await run(client, apiserver.grpcAddress, n);
      results.push(f);
      console.log(
        `  N=${n}: started in ${fmt(f.startS)} s, ${fmt(f.writesPerS)} heartbeats/s, ` +
          `on time ${fmt(100 * f.watched.onTime, 0)} % of ${f.watched.observed} observed nodes`,
      );
    }
  } finally {
    client.close();
    await apiserver.stop();
    await etcd.stop();
  }
  const header = [
    "nodes",
    "start s",
    "beats/s (want)",
    "late p50/p99 in kubelet ms",
    "late p50/p99/max by watch ms",
    "on time",
    "RSS MiB",
    "CPU %",
    "loop p99 ms",
  ];
  const rows = results.map((f) => [
    String(f.n),
    fmt(f.startS),
    `${fmt(f.writesPerS)} (${fmt(f.n / INTERVAL_S)})`,
    `${fmt(f.internal.p50, 0)} / ${fmt(f.internal.p99, 0)}`,
    `${fmt(f.watched.p50, 0)} / ${fmt(f.watched.p99, 0)} / ${fmt(f.watched.max, 0)}`,
    `${fmt(100 * f.watched.onTime, 1)} %`,
    fmt(f.rssMiB, 0),
    fmt(f.cpuPct, 0),
    fmt(f.loopP99Ms, 0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join("  ");
  console.log("\n" + line(header));
  for (const r of rows) console.log(line(r));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
