#!/usr/bin/env node
import { ApiClient } from "@ktl/client";
import { runElected } from "@ktl/controller";
import { jsonLogger, startHealthServer } from "@ktl/service";
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

  await runElected({
    client,
    lease: "kube-controller-manager",
    leaderElect: config.leaderElect,
    identity: config.identity,
    leaseDurationMs: config.leaseDurationMs,
    renewDeadlineMs: config.renewDeadlineMs,
    retryPeriodMs: config.retryPeriodMs,
    log,
    run,
  });
}

process.on("unhandledRejection", (err) => log.error("unhandled rejection", { error: String(err) }));
main().catch((err: unknown) => {
  log.error("failed to start", { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
