/**
 * The scheduler: binds pending pods to nodes (Kubernetes' pkg/scheduler).
 * Informers feed a cache of nodes and pods and a scheduling queue; each cycle
 * filters and scores nodes from an incrementally updated snapshot, assumes
 * the pod onto the winner and binds asynchronously.
 *
 * @example
 * import { Scheduler } from "@ktl/scheduler";
 *
 * const scheduler = new Scheduler({ client, filters, scores, failureMessage, log });
 * nodes.addEventHandler({ onAdd: (n) => scheduler.onNodeAdd(n) });
 * pods.addEventHandler({ onAdd: (p) => scheduler.onPodAdd(p) });
 * await scheduler.run(signal);
 */
export * from "./cache/cache.js";
export * from "./cache/node-info.js";
export * from "./cache/snapshot.js";
export * from "./framework/interface.js";
export * from "./metrics.js";
export * from "./queue/scheduling-queue.js";
export * from "./run.js";
export * from "./scheduler.js";
