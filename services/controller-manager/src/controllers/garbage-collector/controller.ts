import { RESOURCES, type ResourceInfo } from "@ktl/api";
import type { ApiObject } from "@ktl/client";
import { runWorkers } from "@ktl/controller";
import type { Controller } from "../../controller.js";
import { DependencyGraph } from "./graph.js";
import { gcEventHandler } from "./handlers.js";
import { GarbageCollector } from "./sync.js";

export const NAME = "garbage-collector";

/**
 * The kinds the collector watches: every kind stored in etcd that can be
 * listed, watched and deleted (Kubernetes' GetDeletableResources). Events
 * live in NATS and are never owners nor collected.
 */
export function collectableResources(): ResourceInfo[] {
  return RESOURCES.filter(
    (r) =>
      r.storage === "etcd" &&
      r.verbs.includes("list") &&
      r.verbs.includes("watch") &&
      r.verbs.includes("delete"),
  );
}

/**
 * Cascading deletion through ownerReferences (Kubernetes'
 * pkg/controller/garbagecollector): background, foreground and orphan
 * propagation. See sync.ts for the decisions and graph.ts for the graph.
 */
export const garbageCollectorController: Controller = {
  name: NAME,
  setup(ctx) {
    const queue = ctx.newQueue(NAME);
    const enqueue = (key: string): void => queue.add(key);
    const informers = collectableResources().map(
      (info) => [info, ctx.informers.informerFor<ApiObject>(info)] as const,
    );
    const graph = new DependencyGraph(informers.map(([info, informer]) => [info, informer.indexer] as const));
    for (const [info, informer] of informers) informer.addEventHandler(gcEventHandler(info, graph, enqueue));
    const reconciler = new GarbageCollector({ client: ctx.client, graph, enqueue, log: ctx.log });
    return {
      run: (signal) =>
        runWorkers({ name: NAME, queue, reconciler, workers: ctx.config.workers, signal, log: ctx.log }),
    };
  },
};
