#!/usr/bin/env node
import { setMaxListeners } from "node:events";
import { ApiClient } from "@ktl/client";
import { Bus } from "@ktl/nats";
import { jsonLogger, onShutdown } from "@ktl/service";
import { loadConfig } from "./config.js";
import { startHollowNodes, withFields } from "./hollow.js";
import { startKubelet, type Kubelet, type KubeletShared } from "./kubelet.js";
import { NodeStatusMetrics } from "./node/metrics.js";
import { filesystemBytes, readSystemInfo } from "./node/system-info.js";
import { ProbeMetrics } from "./probes/metrics.js";
import { SYSTEM_CLOCK, TimerQueue } from "./probes/timer-queue.js";
import { processMetricsText } from "./node/process-metrics.js";

const log = jsonLogger("kubelet");

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env);
  const client = new ApiClient(config.apiserver);
  const abort = new AbortController();
  // Every node's pod manager, informer and prober listens to it: thousands with hollow nodes.
  setMaxListeners(0, abort.signal);
  const timers = new TimerQueue(SYSTEM_CLOCK, (err) =>
    log.error("timer callback failed", { error: String(err) }),
  );
  const nodeMetrics = new NodeStatusMetrics();
  const probeMetrics = new ProbeMetrics();
  let kubelets: Kubelet[] = [];
  // ONE connection for the process, however many (hollow) nodes it runs.
  const bus = config.natsServers
    ? Bus.connect({
        servers: config.natsServers,
        name: config.hollowNodes > 0 ? `kubelet ${config.nodeName}-*` : `kubelet ${config.nodeName}`,
        log,
      })
    : undefined;
  const shared: KubeletShared = {
    config,
    client,
    timers,
    nodeMetrics,
    probeMetrics,
    system: await readSystemInfo(),
    ephemeralStorageBytes: await filesystemBytes(config.rootDir),
    metricsText: () =>
      nodeMetrics.text() +
      probeMetrics.text() +
      processMetricsText(kubelets.reduce((n, k) => n + k.podCount(), 0)),
    bus,
    signal: abort.signal,
  };
  // A signal during start-up stops what has started so far; onShutdown then exits.
  onShutdown(log, async () => {
    abort.abort();
    timers.stop();
    await Promise.allSettled(kubelets.map((k) => k.stop()));
    await bus?.close();
    client.close();
  });
  log.info("starting", {
    apiserver: config.apiserver,
    node: config.nodeName,
    runtime: config.runtime,
    hollowNodes: config.hollowNodes,
    nats: config.natsServers || undefined,
    heartbeatSeconds: config.natsServers ? config.heartbeatMs / 1000 : undefined,
  });
  if (config.hollowNodes > 0) {
    const started = Date.now();
    kubelets = await startHollowNodes(shared, {
      baseName: config.nodeName,
      count: config.hollowNodes,
      basePort: config.port,
      log,
    });
    const first = kubelets[0];
    log.info("kubelet ready", {
      node: first?.nodeName,
      port: first?.port,
      nodes: kubelets.length,
      ports: kubelets.map((k) => k.port),
      health: `http://${config.nodeIp}:${first?.port}`,
      startMs: Date.now() - started,
    });
  } else {
    const kubelet = await startKubelet(shared, {
      nodeName: config.nodeName,
      port: config.port,
      log: withFields(log, { node: config.nodeName }),
    });
    kubelets = [kubelet];
    log.info("kubelet ready", {
      node: kubelet.nodeName,
      port: kubelet.port,
      health: `http://${config.nodeIp}:${kubelet.port}`,
    });
  }
}

process.on("unhandledRejection", (err) => log.error("unhandled rejection", { error: String(err) }));
main().catch((err: unknown) => {
  log.error("failed to start", { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
