#!/usr/bin/env node
import { ApiClient } from "@ktl/client";
import { jsonLogger, onShutdown, startHealthServer } from "@ktl/service";
import { LoopbackAddresses } from "./addresses.js";
import { loadConfig } from "./config.js";
import { ProxyMetrics } from "./metrics.js";
import { NftablesProxier } from "./nftables/proxier.js";
import type { Proxier } from "./proxier.js";
import { runProxy } from "./run.js";
import { UserspaceProxier } from "./userspace/proxier.js";

const log = jsonLogger("kube-proxy");

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env);
  const client = new ApiClient(config.apiserver);
  const metrics = new ProxyMetrics();
  const proxier: Proxier =
    config.proxyMode === "nftables"
      ? new NftablesProxier({ ...config, log, metrics })
      : new UserspaceProxier({
          nodeIp: config.nodeIp,
          log,
          metrics,
          dialTimeoutMs: config.dialTimeoutMs,
          udpTimeoutMs: config.udpTimeoutSeconds * 1000,
        });
  const addresses = new LoopbackAddresses(config.nodeName);
  let ready = false;
  const health = await startHealthServer({
    host: config.bindAddress,
    port: config.healthPort,
    metrics: () => metrics.text(),
    ready: () => ready || "the first sync has not been applied",
  });
  log.info("starting", {
    apiserver: config.apiserver,
    node: config.nodeName,
    nodeIp: config.nodeIp,
    mode: config.proxyMode,
    ...(proxier instanceof NftablesProxier ? { table: proxier.table } : {}),
    health: `http://${config.bindAddress}:${health.port}`,
  });

  const stop = new AbortController();
  const running = runProxy({
    client,
    log,
    metrics,
    proxier,
    addresses,
    serviceCidr: config.serviceCidr,
    clusterCidr: config.clusterCidr,
    minSyncPeriodMs: config.minSyncPeriodMs,
    syncPeriodMs: config.syncPeriodMs,
    signal: stop.signal,
    onReady: () => {
      ready = true;
      log.info("proxy ready", { mode: config.proxyMode });
    },
  });
  onShutdown(log, async () => {
    stop.abort();
    await running;
    // Both even if one fails: nothing of ours may stay behind.
    const results = await Promise.allSettled([proxier.stop(), addresses.removeAll()]);
    health.server.close();
    client.close();
    for (const r of results) if (r.status === "rejected") throw r.reason;
  });
  await running;
}

process.on("unhandledRejection", (err) => log.error("unhandled rejection", { error: String(err) }));
main().catch((err: unknown) => {
  log.error("failed to start", { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
