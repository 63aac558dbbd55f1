#!/usr/bin/env node
import { ApiClient } from "@ktl/client";
import { LeaderElector } from "@ktl/controller";
import { jsonLogger, onShutdown, startHealthServer } from "@ktl/service";
import { queueMetricsText, type NamedQueueMetrics } from "@ktl/workqueue";
import { loadConfig } from "./config.js";
import { CONTROLLERS } from "./controllers/index.js";
import { runControllers } from "./manager.js";

const log = jsonLogger("controller-manager");

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env);
  const client = new ApiClient(config.apiserver);
  const queues = new Map<string, NamedQueueMetrics>();
  const run = (signal: AbortSignal): Promise<void> =>
    runControllers({ client, config, log, controllers: CONTROLLERS, signal, queues });
  const health = await startHealthServer({
    host: config.bindAddress,
    port: config.healthPort,
    metrics: () => queueMetricsText([...queues.values()]),
  });
  log.info("starting", {
    apiserver: config.apiserver,
    identity: config.identity,
    leaderElect: config.leaderElect,
    health: `http://${config.bindAddress}:${health.port}`,
  });

  if (!config.leaderElect) {
    const stop = new AbortController();
    onShutdown(log, () => {
      stop.abort();
      return Promise.resolve();
    });
    await run(stop.signal);
    return;
  }
  const elector = new LeaderElector({
    client,
    name: "kube-controller-manager",
    identity: config.identity,
    leaseDurationMs: config.leaseDurationMs,
    renewDeadlineMs: config.renewDeadlineMs,
    retryPeriodMs: config.retryPeriodMs,
    logger: log,
    onStartedLeading: (signal) => {
      log.info("became the leader");
      return run(signal);
    },
    onStoppedLeading: () => log.info("stopped leading"),
    onNewLeader: (identity) => log.info("leader is", { identity }),
  });
  let stopping = false;
  onShutdown(log, async () => {
    stopping = true;
    await elector.release();
  });
  await elector.run();
  // Lost the Lease without being asked to stop: exit so a supervisor restarts
  // a fresh candidate (as kube-controller-manager does).
  if (!stopping) {
    log.error("lost leadership; exiting");
    process.exit(1);
  }
}

process.on("unhandledRejection", (err) => log.error("unhandled rejection", { error: String(err) }));
main().catch((err: unknown) => {
  log.error("failed to start", { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
