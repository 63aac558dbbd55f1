import { findResource, type Node, type ResourceInfo } from "@ktl/api";
import { runWorkers } from "@ktl/controller";
import { finalState, keyOf, type EventHandler } from "@ktl/informers";
import type { Controller } from "../../controller.js";
import { CidrSet } from "./cidr-set.js";
import { RangeAllocator, podCidrOf } from "./sync.js";

export const NAME = "node-ipam";

const NODES = findResource("", "nodes") as ResourceInfo;

/** Queues Nodes that need a range or whose range changed, and deleted Nodes (to release theirs). */
export function nodeEventHandler(enqueue: (key: string) => void): EventHandler<Node> {
  return {
    onAdd: (node) => enqueue(keyOf(node)),
    onUpdate: (old, node) => {
      if (old.metadata?.resourceVersion === node.metadata?.resourceVersion) return;
      // Kubelet heartbeats change only status: nothing to do for those.
      if (!podCidrOf(node) || podCidrOf(old) !== podCidrOf(node)) enqueue(keyOf(node));
    },
    onDelete: (node) => enqueue(keyOf(finalState(node))),
  };
}

/** Node IPAM: a pod range per Node from --cluster-cidr, /--node-cidr-mask-size each (sync.ts). */
export const nodeIpamController: Controller = {
  name: NAME,
  setup(ctx) {
    // Validated here, before any informer starts, so a bad flag fails the start loudly.
    const cidrs = new CidrSet(ctx.config.clusterCidr, ctx.config.nodeCidrMaskSize);
    const queue = ctx.newQueue(NAME);
    const enqueue = (key: string): void => queue.add(key);
    const informer = ctx.informers.informerFor<Node>(NODES);
    informer.addEventHandler(nodeEventHandler(enqueue));
    const allocator = new RangeAllocator({
      client: ctx.client,
      nodes: informer.store,
      cidrs,
      log: ctx.log,
      enqueue,
    });
    return {
      run: (signal) => {
        // The cache has synced: every range in use is known before the first allocation.
        allocator.rebuild();
        return runWorkers({
          name: NAME,
          queue,
          reconciler: allocator,
          workers: ctx.config.workers,
          signal,
          log: ctx.log,
        });
      },
    };
  },
};
