import type { Node, Pod } from "@ktl/api";
import { runWorkers } from "@ktl/controller";
import { finalState, keyOf, type DeepReadonly, type EventHandler } from "@ktl/informers";
import { Bus } from "@ktl/nats";
import type { Controller } from "../../controller.js";
import { ZoneDisruption } from "./disruption.js";
import { nodeLifecycleMetrics } from "./metrics.js";
import { HEARTBEAT_SUBJECTS, nodeOfHeartbeatSubject, RESYNC_SUBJECT_PREFIX } from "@ktl/nats";
import { NODES, NodeLifecycleSync, PODS } from "./sync.js";
import { readyCondition, unreachableTaint } from "./taints.js";
import { HeartbeatTracker } from "./tracker.js";

export const NAME = "node-lifecycle";

/** The Ready condition's lastHeartbeatTime: it moves only when the kubelet itself writes. */
function kubeletHeartbeat(node: DeepReadonly<Node>): string | undefined {
  return readyCondition(node)?.lastHeartbeatTime;
}

/**
 * Counts a Node's own status writes (registration, a change, a heartbeat
 * without NATS) as signs of life, and queues the node for a look.
 */
export function nodeEventHandler(options: {
  heard: (node: string) => void;
  enqueue: (key: string) => void;
  forget: (node: string) => void;
}): EventHandler<Node> {
  return {
    onAdd: (node) => {
      if (kubeletHeartbeat(node)) options.heard(keyOf(node));
      options.enqueue(keyOf(node));
    },
    onUpdate: (old, node) => {
      if (old.metadata?.resourceVersion === node.metadata?.resourceVersion) return;
      const beat = kubeletHeartbeat(node);
      if (beat && beat !== kubeletHeartbeat(old)) options.heard(keyOf(node));
      options.enqueue(keyOf(node));
    },
    onDelete: (node) => {
      const key = keyOf(finalState(node));
      options.forget(key);
      options.enqueue(key);
    },
  };
}

/**
 * The node lifecycle controller (sync.ts): last-seen times from
 * `node.heartbeat.*` on NATS, Ready=Unknown and the unreachable NoExecute
 * taint for nodes silent beyond --node-monitor-grace-period, eviction after
 * the pods' toleration. Without --nats-servers it does nothing: the kubelets'
 * liveness then travels only as status writes, which this controller does not
 * judge. Its NATS connection lives as long as its leadership term.
 */
export const nodeLifecycleController: Controller = {
  name: NAME,
  eventComponent: "node-controller",
  setup(ctx) {
    const { config, log } = ctx;
    const metrics = nodeLifecycleMetrics;
    const graceMs = config.nodeMonitorGracePeriodMs;
    const tracker = new HeartbeatTracker(graceMs, Date.now());
    const queue = ctx.newQueue(NAME);
    const enqueue = (key: string): void => queue.add(key);
    const nodes = ctx.informers.informerFor<Node>(NODES);
    const pods = ctx.informers.informerFor<Pod>(PODS);
    if (!config.natsServers) {
      return {
        run: async (signal) => {
          log.info("node lifecycle controller idle: no --nats-servers, so no heartbeats to judge", {
            controller: NAME,
          });
          await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
        },
      };
    }
    nodes.addEventHandler(
      nodeEventHandler({
        heard: (n) => tracker.heard(n, Date.now()),
        enqueue,
        forget: (n) => tracker.forget(n),
      }),
    );
    return {
      run: async (signal) => {
        const bus = Bus.connect({
          servers: config.natsServers,
          name: "controller-manager node-lifecycle",
          log,
        });
        const sync = new NodeLifecycleSync({
          client: ctx.client,
          nodes: nodes.store,
          pods: pods.indexer,
          tracker,
          listening: () => bus.connected,
          requestResync: (node) => bus.publish(RESYNC_SUBJECT_PREFIX + node, ""),
          defaultTolerationSeconds: config.defaultUnreachableTolerationSeconds,
          disruption: new ZoneDisruption({
            evictionQps: config.nodeEvictionRate,
            secondaryEvictionQps: config.secondaryNodeEvictionRate,
            largeClusterSizeThreshold: config.largeClusterSizeThreshold,
            unhealthyZoneThreshold: config.unhealthyZoneThreshold,
          }),
          metrics,
          log,
          now: () => Date.now(),
        });
        // Heartbeats were dropped while the bus was down (ours or theirs): start every node's grace anew.
        tracker.restartGrace(Date.now());
        bus.onConnected(() => {
          tracker.restartGrace(Date.now());
          log.info("node lifecycle: NATS connected; judging nodes after a full grace period", {
            graceSeconds: graceMs / 1000,
          });
        });
        const unsubscribe = bus.subscribe(HEARTBEAT_SUBJECTS, (_data, subject) => {
          const name = nodeOfHeartbeatSubject(subject);
          if (!name) return;
          metrics.heartbeats++;
          tracker.heard(name, Date.now());
          // Only a node that shows our marks needs a look now; the monitor covers the rest.
          const node = nodes.store.get(name);
          if (node && (unreachableTaint(node) || readyCondition(node)?.status === "Unknown")) enqueue(name);
        });
        const periodMs = Math.max(100, Math.min(config.nodeMonitorPeriodMs, graceMs / 4));
        const monitor = setInterval(() => {
          if (bus.connected) sync.refreshZones(Date.now());
          for (const key of nodes.store.listKeys()) enqueue(key);
        }, periodMs);
        log.info("node lifecycle controller started", {
          graceSeconds: graceMs / 1000,
          monitorPeriodMs: periodMs,
          defaultTolerationSeconds: config.defaultUnreachableTolerationSeconds,
        });
        try {
          await runWorkers({ name: NAME, queue, reconciler: sync, workers: config.workers, signal, log });
        } finally {
          clearInterval(monitor);
          unsubscribe();
          await bus.close();
        }
      },
    };
  },
};
