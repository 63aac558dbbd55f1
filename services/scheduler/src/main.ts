#!/usr/bin/env node
import { ApiClient } from "@ktl/client";
import { LeaderElector } from "@ktl/controller";
import { jsonLogger, onShutdown, startHealthServer } from "@ktl/service";
import { loadConfig } from "./config.js";
import { failureMessage } from "./plugins/message.js";
import { defaultPlugins } from "./plugins/registry.js";
import { runScheduler } from "./run.js";
import type { Scheduler } from "./scheduler.js";

const log = jsonLogger("scheduler");

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env);
  const client = new ApiClient(config.apiserver);
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
    });
  const health = await startHealthServer({
    host: config.bindAddress,
    port: config.healthPort,
    metrics: () => current?.metrics.text(current.queue.lengths()) ?? "",
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
    name: "kube-scheduler",
    identity: config.identity,
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
