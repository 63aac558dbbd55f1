/**
 * kube-proxy benchmark (run with tsx after `pnpm build`; needs root):
 *
 * 1. Data path, for each mode (userspace, nftables), in one run: 32
 *    concurrent keep-alive TCP connections doing 64-byte echo round trips for
 *    5 s, through the Service's ClusterIP and straight to the backends' pod
 *    IPs. Prints requests/s, p50/p99 latency and the ratio (the proxy's cost).
 *    Real apiserver, real kube-proxy process, 3 backends in network
 *    namespaces behind a ktl bridge (the integration tests' network).
 * 2. Programming latency: 20 Endpoints updates through the API, read back
 *    from the proxy's kubeproxy_network_programming_duration_seconds.
 * 3. nftables rule sync with 1,000 Services × 10 endpoints, fed directly to
 *    the syncer (NftablesProxier.sync, not through the API) inside a
 *    throwaway network namespace: the first (whole table) sync, then
 *    syncs after one endpoint change.
 *
 * BENCH_SECONDS changes the per-case duration (default 5).
 */
import { connect, type Socket } from "node:net";
import { startApiserver, startEtcd, startKubeProxy, type ServiceProcess } from "@ktl/testing";
import {
  NftablesProxier,
  ProxyMetrics,
  type ProxyState,
  type ServicePortState,
} from "../../../services/kube-proxy/src/index.js";
import { runCommand } from "../../../services/kube-proxy/src/exec.js";
import { RestClient } from "../../integration/apiserver/client.js";
import { metric, metricsOf } from "../../integration/proxy/clients.js";
import { ProxyTestNet, sh } from "../../integration/proxy/net.js";
import { fmt, row, summarize } from "../lib.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? "5");
const CONNECTIONS = 32;
const PAYLOAD = "x".repeat(63) + "\n";

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** One keep-alive connection doing echo round trips until `deadline`; latencies in ms. */
async function echoLoop(host: string, port: number, deadline: number, samples: number[]): Promise<number> {
  const socket: Socket = connect({ host, port, noDelay: true });
  let buffer = "";
  let waiting: (() => void) | undefined;
  let failed = false;
  socket.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    waiting?.();
  });
  socket.on("error", () => {
    failed = true;
    waiting?.();
  });
  socket.on("close", () => {
    failed = true;
    waiting?.();
  });
  const line = async (): Promise<boolean> => {
    while (!buffer.includes("\n")) {
      if (failed) return false;
      await new Promise<void>((resolve) => (waiting = resolve));
    }
    buffer = buffer.slice(buffer.indexOf("\n") + 1);
    return true;
  };
  if (!(await line())) return 1; // the greeting
  while (performance.now() < deadline) {
    const started = performance.now();
    socket.write(PAYLOAD);
    if (!(await line())) return 1;
    samples.push(performance.now() - started);
  }
  socket.destroy();
  return 0;
}

async function load(targets: readonly { host: string; port: number }[]): Promise<LoadResult> {
  const samples: number[] = [];
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  const errors = await Promise.all(
    Array.from({ length: CONNECTIONS }, (_, i) => {
      const t = targets[i % targets.length]!;
      return echoLoop(t.host, t.port, deadline, samples);
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const s = summarize(samples);
  return { rps: samples.length / elapsed, p50: s.p50, p99: s.p99, errors: errors.reduce((a, b) => a + b, 0) };
}

function endpointsBody(ips: readonly string[], resourceVersion?: string): object {
  return {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "bench", namespace: "default", ...(resourceVersion ? { resourceVersion } : {}) },
    subsets: [
      { addresses: ips.map((ip) => ({ ip })), ports: [{ name: "tcp", port: 8080, protocol: "TCP" }] },
    ],
  };
}

async function dataPath(): Promise<void> {
  const etcd = await startEtcd();
  const api = await startApiserver({ etcd: etcd.endpoint });
  const rest = new RestClient(api.url);
  const net = new ProxyTestNet();
  let proxy: ServiceProcess | undefined;
  try {
    await net.setup();
    const backends = [await net.backend("b1", 11), await net.backend("b2", 12), await net.backend("b3", 13)];
    const clusterIP = net.serviceIp(10);
    await rest.post("/api/v1/namespaces/default/services", {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "bench", namespace: "default" },
      spec: { clusterIP, ports: [{ name: "tcp", port: 80, targetPort: 8080, protocol: "TCP" }] },
    });
    await rest.post("/api/v1/namespaces/default/endpoints", endpointsBody(backends.map((b) => b.ip)));
    const direct = backends.map((b) => ({ host: b.ip, port: 8080 }));
    console.log(`\n${CONNECTIONS} keep-alive connections, 64-byte echo round trips, ${SECONDS} s per case`);
    for (const mode of ["userspace", "nftables"] as const) {
      const nodeName = `bench-${mode}-${net.id}`;
      proxy = await startKubeProxy({ apiserver: api.grpcAddress, nodeName, nodeIp: "127.0.1.240", mode });
      const straight = await load(direct);
      const viaService = await load([{ host: clusterIP, port: 80 }]);
      row(
        `${mode}: straight to the 3 pod IPs`,
        `${fmt(straight.rps, 0)} req/s  p50 ${fmt(straight.p50, 3)} ms  p99 ${fmt(straight.p99, 3)} ms`,
      );
      row(
        `${mode}: through the ClusterIP`,
        `${fmt(viaService.rps, 0)} req/s  p50 ${fmt(viaService.p50, 3)} ms  p99 ${fmt(viaService.p99, 3)} ms`,
      );
      row(
        `${mode}: ratio service / straight`,
        `req/s ×${fmt(viaService.rps / straight.rps, 2)}  p50 ×${fmt(viaService.p50 / straight.p50, 2)}  p99 ×${fmt(viaService.p99 / straight.p99, 2)}`,
      );
      if (straight.errors + viaService.errors > 0)
        row(`${mode}: failed connections`, String(straight.errors + viaService.errors));

      // Programming latency: alternate between 3 and 2 endpoints.
      for (let i = 0; i < 20; i++) {
        const current = await rest.get("/api/v1/namespaces/default/endpoints/bench");
        const ips = backends.slice(0, i % 2 === 0 ? 2 : 3).map((b) => b.ip);
        await rest.put(
          "/api/v1/namespaces/default/endpoints/bench",
          endpointsBody(ips, current.body.metadata.resourceVersion),
        );
        await new Promise((r) => setTimeout(r, 100));
      }
      const page = await metricsOf(proxy.healthUrl);
      const progSum = metric(page, "kubeproxy_network_programming_duration_seconds_sum");
      const progCount = metric(page, "kubeproxy_network_programming_duration_seconds_count");
      const syncSum = metric(page, "kubeproxy_sync_proxy_rules_duration_seconds_sum");
      const syncCount = metric(page, "kubeproxy_sync_proxy_rules_duration_seconds_count");
      row(
        `${mode}: endpoints change → applied (mean of ${progCount})`,
        `${fmt((1000 * progSum) / progCount, 1)} ms (sync itself ${fmt((1000 * syncSum) / syncCount, 1)} ms)`,
      );
      await proxy.stop();
      proxy = undefined;
    }
  } finally {
    await proxy?.stop();
    await net.teardown();
    await api.stop();
    await etcd.stop();
  }
}

/** 1,000 Services × 10 endpoints, fed straight to the nftables syncer in a private network namespace. */
async function nftSync(): Promise<void> {
  const netns = `ktl-pxbench-${process.pid}`;
  await sh("ip", "netns", "add", netns);
  try {
    const proxier = new NftablesProxier({
      nodeName: "bench",
      nodeIp: "127.0.1.241",
      clusterCidr: "100.64.0.0/16",
      // No bridge in the namespace has this prefix: no sysctl is touched.
      bridgePrefix: "ktlbenchnone",
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      metrics: new ProxyMetrics(),
      runner: (command, args, input) => runCommand("ip", ["netns", "exec", netns, command, ...args], input),
    });
    const ports: ServicePortState[] = Array.from({ length: 1000 }, (_, i) => ({
      key: `bench/svc-${i}/tcp/80`,
      namespace: "bench",
      name: `svc-${i}`,
      portName: "",
      protocol: "TCP",
      clusterIP: `100.96.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      port: 80,
      ...(i % 10 === 0 ? { nodePort: 30000 + i } : {}),
      ...(i % 10 === 1 ? { affinitySeconds: 600 } : {}),
      endpoints: Array.from({ length: 10 }, (_, j) => ({
        ip: `100.64.${(i * 10 + j) >> 8}.${(i * 10 + j) & 255}`,
        port: 8080,
      })),
    }));
    const state: ProxyState = { ports, skipped: [] };
    console.log(
      "\nnftables sync, 1,000 Services × 10 endpoints (10% NodePort, 10% ClientIP affinity), fed to the syncer",
    );
    let started = performance.now();
    await proxier.sync(state);
    row("first sync (whole table)", `${fmt(performance.now() - started, 0)} ms`);
    const times: number[] = [];
    for (let k = 0; k < 10; k++) {
      const changed = ports.map((p, i) =>
        i === k ? { ...p, endpoints: p.endpoints.slice(0, k % 2 === 0 ? 9 : 10) } : p,
      );
      started = performance.now();
      await proxier.sync({ ports: changed, skipped: [] });
      times.push(performance.now() - started);
    }
    const s = summarize(times);
    row("sync after one endpoint change (10 syncs)", `p50 ${fmt(s.p50, 0)} ms  max ${fmt(s.max, 0)} ms`);
    const listed = await sh("ip", "netns", "exec", netns, "nft", "list", "table", "ip", proxier.table);
    row("table size", `${listed.split("\n").length} lines listed`);
    await proxier.stop();
  } finally {
    await sh("ip", "netns", "delete", netns).catch(() => undefined);
  }
}

await dataPath();
await nftSync();
