#!/usr/bin/env node
import { ApiClient } from "@ktl/client";
import { createRecorder } from "@ktl/events";
import { runElected } from "@ktl/controller";
import { jsonLogger, startHealthServer } from "@ktl/service";
import { queueMetricsText, type NamedQueueMetrics } from "@ktl/workqueue";
import { loadConfig } from "./config.js";
import { CONTROLLERS } from "./controllers/index.js";
import { nodeLifecycleMetrics } from "./controllers/node-lifecycle/metrics.js";
import { runControllers } from "./manager.js";

const log = jsonLogger("controller-manager");

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env);
  const client = new ApiClient(config.apiserver);
  const queues = new Map<string, NamedQueueMetrics>();
  // Events go to NATS too (--nats-servers); without it the recorder only counts drops.
  const { recorder, close: closeEvents } = createRecorder({
    natsServers: config.natsServers,
    component: "controller-manager",
    log,
  });
  const run = (signal: AbortSignal): Promise<void> =>
    runControllers({ client, config, log, controllers: CONTROLLERS, signal, queues, recorder });
  const health = await startHealthServer({
    host: config.bindAddress,
    port: config.healthPort,
    metrics: () =>
      queueMetricsText([...queues.values()]) + nodeLifecycleMetrics.text() + recorder.metricsText(),
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
    // Publishes still buffered in the NATS client leave before the process exits.
    onStop: closeEvents,
  });
}

process.on("unhandledRejection", (err) => log.error("unhandled rejection", { error: String(err) }));
main().catch((err: unknown) => {
  log.error("failed to start", { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
