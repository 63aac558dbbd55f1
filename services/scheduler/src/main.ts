#!/usr/bin/env node
import { ApiClient } from "@ktl/client";
import { createRecorder } from "@ktl/events";
import { runElected } from "@ktl/controller";
import { jsonLogger, startHealthServer } from "@ktl/service";
import { loadConfig } from "./config.js";
import { failureMessage } from "./plugins/message.js";
import { defaultPlugins } from "./plugins/registry.js";
import { runScheduler } from "./run.js";
import type { Scheduler } from "./scheduler.js";

const log = jsonLogger("scheduler");

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env);
  const client = new ApiClient(config.apiserver);
  const { recorder, close: closeEvents } = createRecorder({
    natsServers: config.natsServers,
    component: config.schedulerName,
    log,
  });
  let current: Scheduler | undefined;
  const run = (signal: AbortSignal): Promise<void> =>
    runScheduler({
      client,
      config,
      log,
      plugins: defaultPlugins(),
      failureMessage,
      signal,
      onCreated: (s) => (current = s),
      recorder,
    });
  const health = await startHealthServer({
    host: config.bindAddress,
    port: config.healthPort,
    metrics: () => (current?.metrics.text(current.queue.lengths()) ?? "") + recorder.metricsText(),
  });
  log.info("starting", {
    apiserver: config.apiserver,
    identity: config.identity,
    leaderElect: config.leaderElect,
    health: `http://${config.bindAddress}:${health.port}`,
  });

  await runElected({
    client,
    lease: "kube-scheduler",
    leaderElect: config.leaderElect,
    identity: config.identity,
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
