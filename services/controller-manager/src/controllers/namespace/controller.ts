import { findResource, type Namespace, type ResourceInfo } from "@ktl/api";
import { runWorkers } from "@ktl/controller";
import { finalState, keyOf, type EventHandler } from "@ktl/informers";
import type { Controller } from "../../controller.js";
import { NamespaceReconciler } from "./sync.js";

export const NAME = "namespace";

const NAMESPACES = findResource("", "namespaces") as ResourceInfo;

/** Queues terminating namespaces, and deleted ones so their bookkeeping is dropped. */
export function namespaceEventHandler(enqueue: (key: string) => void): EventHandler<Namespace> {
  return {
    onAdd: (ns) => {
      if (ns.metadata?.deletionTimestamp) enqueue(keyOf(ns));
    },
    onUpdate: (old, ns) => {
      if (old.metadata?.resourceVersion === ns.metadata?.resourceVersion) return;
      if (ns.metadata?.deletionTimestamp) enqueue(keyOf(ns));
    },
    onDelete: (ns) => enqueue(keyOf(finalState(ns))),
  };
}

/** Deletes the content of terminating namespaces, then finalizes them (sync.ts). */
export const namespaceController: Controller = {
  name: NAME,
  setup(ctx) {
    const queue = ctx.newQueue(NAME);
    const informer = ctx.informers.informerFor<Namespace>(NAMESPACES);
    informer.addEventHandler(namespaceEventHandler((key) => queue.add(key)));
    const reconciler = new NamespaceReconciler({
      client: ctx.client,
      namespaces: informer.store,
      log: ctx.log,
    });
    return {
      run: (signal) =>
        runWorkers({ name: NAME, queue, reconciler, workers: ctx.config.workers, signal, log: ctx.log }),
    };
  },
};
