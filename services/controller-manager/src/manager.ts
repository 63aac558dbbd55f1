import type { ApiClient } from "@ktl/client";
import type { EventRecorder } from "@ktl/events";
import { InformerFactory } from "@ktl/informers";
import type { Logger } from "@ktl/service";
import { RateLimitingWorkQueue, defaultControllerRateLimiter, type NamedQueueMetrics } from "@ktl/workqueue";
import type { ControllerManagerConfig } from "./config.js";
import type { Controller } from "./controller.js";

/** Informers re-deliver every object this often, so a missed event is healed. */
const RESYNC_MS = 10 * 60_000;

/**
 * Runs the given controllers until `signal` aborts: each sets up its informers
 * and handlers, the shared informers start and sync, then every controller's
 * workers run. Called when this instance becomes the leader; the signal aborts
 * when it stops leading.
 */
export async function runControllers(options: {
  client: ApiClient;
  config: ControllerManagerConfig;
  log: Logger;
  controllers: readonly Controller[];
  signal: AbortSignal;
  /** Where the queues' metrics are published (by name). */
  queues?: Map<string, NamedQueueMetrics>;
  recorder?: EventRecorder;
}): Promise<void> {
  const { client, config, log, signal } = options;
  const informers = new InformerFactory({ client, resyncMs: RESYNC_MS, logger: log });
  const enabled = options.controllers.filter(
    (c) => config.controllers.includes("*") || config.controllers.includes(c.name),
  );
  const runnables = enabled.map((controller) => ({
    name: controller.name,
    runnable: controller.setup({
      client,
      informers,
      config,
      log,
      recorder: options.recorder?.withComponent(controller.eventComponent ?? `${controller.name}-controller`),
      newQueue: (name) => {
        const queue = new RateLimitingWorkQueue<string>({
          name,
          rateLimiter: defaultControllerRateLimiter(),
        });
        options.queues?.set(name, { name, metrics: queue.metrics });
        return queue;
      },
    }),
  }));
  informers.start(signal);
  if (!(await informers.waitForSync(signal))) return;
  log.info("caches synced, starting controllers", { controllers: runnables.map((r) => r.name) });
  await Promise.all(
    runnables.map(({ name, runnable }) =>
      runnable.run(signal).catch((err: unknown) => {
        log.error("controller stopped with an error", { controller: name, error: String(err) });
      }),
    ),
  );
}
