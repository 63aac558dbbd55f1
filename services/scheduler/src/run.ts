import { findResource, type Node, type Pod } from "@ktl/api";
import type { ApiClient } from "@ktl/client";
import type { EventRecorder } from "@ktl/events";
import { InformerFactory, finalState, realClock } from "@ktl/informers";
import type { Logger } from "@ktl/service";
import type { SchedulerConfig } from "./config.js";
import type { FilterPlugin, ScorePlugin } from "./framework/interface.js";
import { Scheduler, type FailureMessage } from "./scheduler.js";

const PODS = findResource("", "pods")!; // eslint-disable-line @typescript-eslint/no-non-null-assertion
const NODES = findResource("", "nodes")!; // eslint-disable-line @typescript-eslint/no-non-null-assertion

/**
 * Runs a scheduler until `signal` aborts: informers for pods and nodes feed
 * the cache and the queue, and once they have synced the loop starts. Called
 * when this instance becomes the leader.
 */
export async function runScheduler(options: {
  client: ApiClient;
  config: SchedulerConfig;
  log: Logger;
  plugins: { filters: FilterPlugin[]; scores: ScorePlugin[] };
  failureMessage: FailureMessage;
  signal: AbortSignal;
  /** Receives the scheduler once built (for /metrics). */
  onCreated?: (scheduler: Scheduler) => void;
  recorder?: EventRecorder;
}): Promise<void> {
  const { client, config, log, signal } = options;
  const scheduler = new Scheduler({
    client,
    filters: options.plugins.filters,
    scores: options.plugins.scores,
    failureMessage: options.failureMessage,
    log,
    schedulerName: config.schedulerName,
    percentageOfNodesToScore: config.percentageOfNodesToScore,
    maxInFlightBinds: config.maxInFlightBinds,
    recorder: options.recorder,
  });
  options.onCreated?.(scheduler);
  const informers = new InformerFactory({ client, logger: log });
  const pods = informers.informerFor<Pod>(PODS);
  const nodes = informers.informerFor<Node>(NODES);
  // Informer objects are deep-readonly; the scheduler never mutates them.
  pods.addEventHandler({
    onAdd: (pod) => scheduler.onPodAdd(pod as Pod),
    onUpdate: (old, pod) => scheduler.onPodUpdate(old as Pod, pod as Pod),
    onDelete: (pod) => scheduler.onPodDelete(finalState(pod) as Pod),
  });
  nodes.addEventHandler({
    onAdd: (node) => scheduler.onNodeAdd(node as Node),
    onUpdate: (old, node) => scheduler.onNodeUpdate(old as Node, node as Node),
    onDelete: (node) => scheduler.onNodeDelete(finalState(node) as Node),
  });
  informers.start(signal);
  if (!(await informers.waitForSync(signal))) return;
  log.info("caches synced, scheduling", { nodes: scheduler.cache.nodeCount() });
  const housekeeping = async (): Promise<void> => {
    while (!signal.aborted) {
      await realClock.sleep(1_000, signal);
      for (const key of scheduler.cache.cleanupExpired()) log.warn("assumed pod expired", { pod: key });
    }
  };
  await Promise.all([
    scheduler.run(signal),
    scheduler.queue.run(signal, (ms, s) => realClock.sleep(ms, s)),
    housekeeping(),
  ]);
}
