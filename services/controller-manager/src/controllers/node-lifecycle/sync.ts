import { findResource, type Node, type Pod, type ResourceInfo, type Taint } from "@ktl/api";
import { isConflict, isNotFound } from "@ktl/apimachinery";
import type { Client } from "@ktl/client";
import type { ReconcileResult, Reconciler } from "@ktl/controller";
import type { DeepReadonly, Indexer, Store } from "@ktl/informers";
import type { Logger } from "@ktl/service";
import { zoneKey, type ZoneDisruption } from "./disruption.js";
import type { NodeLifecycleMetrics } from "./metrics.js";
import {
  notReadyConditions,
  readyCondition,
  tolerationMs,
  unknownConditions,
  unreachableTaint,
  UNKNOWN_REASON,
  withoutUnreachableTaint,
  withUnreachableTaint,
} from "./taints.js";
import type { HeartbeatTracker } from "./tracker.js";

export const NODES = findResource("", "nodes") as ResourceInfo;
export const PODS = findResource("", "pods") as ResourceInfo;

export interface NodeLifecycleSyncOptions {
  readonly client: Client;
  readonly nodes: Store<Node>;
  /** The pods informer's indexer (byNodeName). */
  readonly pods: Indexer<Pod>;
  readonly tracker: HeartbeatTracker;
  /** Whether heartbeats can arrive now (NATS connected): silence is judged only then. */
  readonly listening: () => boolean;
  /** Asks the node's kubelet to write its whole status again. */
  readonly requestResync: (node: string) => void;
  /** Pods tolerating the unreachable taint without a toleration of their own, seconds (Kubernetes: 300). */
  readonly defaultTolerationSeconds: number;
  /** Per-zone taint rate limits and master disruption mode. */
  readonly disruption: ZoneDisruption;
  readonly metrics: NodeLifecycleMetrics;
  readonly log: Logger;
  readonly now: () => number;
}

/** A node newly found silent refreshes the zone states at most this often (the monitor does too). */
const ZONE_REFRESH_MS = 100;

/**
 * One node's lifecycle, level-based (Kubernetes' node lifecycle controller,
 * with NATS heartbeats instead of Leases):
 *
 * - heard from within the grace period: the unreachable taint goes; if the
 *   Node still shows our Ready=Unknown, its kubelet is asked (over NATS) to
 *   write its status again, which brings Ready=True back;
 * - silent beyond it (and NATS up): every condition but NetworkUnavailable
 *   becomes Unknown (status subresource), the taint
 *   node.kubernetes.io/unreachable:NoExecute is added with timeAdded, its pods
 *   get Ready=False, and each pod is deleted once its toleration of the taint
 *   (counted from timeAdded) has run out, so its owner replaces it elsewhere.
 *   Taints are rate limited per zone, and none are placed (existing ones are
 *   lifted) while every zone is fully disrupted (disruption.ts).
 *
 * Returns a requeue for the next deadline (eviction or grace expiry).
 */
export class NodeLifecycleSync implements Reconciler {
  private readonly unreachable = new Set<string>();
  private zonesRefreshedAt = -Infinity;

  constructor(private readonly options: NodeLifecycleSyncOptions) {}

  /**
   * Recomputes the zone states from every node's health: silent beyond the
   * grace, or its Ready condition not True. Run by the monitor each period
   * and whenever a node is newly found silent, so a cluster-wide silence is
   * recognised before the first taint. Leaving master disruption mode gives
   * every node a fresh grace period, as Kubernetes does.
   */
  refreshZones(now: number): void {
    const { nodes, tracker, disruption, log } = this.options;
    this.zonesRefreshedAt = now;
    const health = nodes.list().map((node) => ({
      zone: zoneKey(node),
      ready:
        tracker.judge(node.metadata?.name ?? "", now) === "healthy" &&
        readyCondition(node)?.status === "True",
    }));
    const change = disruption.update(health, now);
    if (change === "entered") {
      log.warn("every node is not ready: entering master disruption mode (no taints, no evictions)", {
        nodes: health.length,
      });
    } else if (change === "exited") {
      log.info("some nodes are ready: leaving master disruption mode; every node gets a fresh grace period");
      tracker.restartGrace(now);
    }
  }

  async reconcile(name: string): Promise<ReconcileResult | void> {
    const { nodes, tracker, metrics } = this.options;
    const node = nodes.get(name);
    if (!node) {
      tracker.forget(name);
      this.setUnreachable(name, false);
      return;
    }
    const now = this.options.now();
    if (!this.options.listening()) return; // NATS is down: nobody's silence means anything
    if (tracker.judge(name, now) === "healthy") {
      this.setUnreachable(name, false);
      await this.recover(node);
      return { requeueAfterMs: Math.max(1, tracker.deadline(name) - now + 1) };
    }
    if (!this.unreachable.has(name)) {
      this.options.log.warn("node unreachable: no heartbeat within the grace period", {
        node: name,
        lastSeen: iso(tracker.lastSeen(name)),
      });
      if (now - this.zonesRefreshedAt >= ZONE_REFRESH_MS) this.refreshZones(now);
    }
    this.setUnreachable(name, true);
    metrics.unreachable = this.unreachable.size;
    return this.markUnreachable(node, now);
  }

  private setUnreachable(name: string, value: boolean): void {
    if (value) this.unreachable.add(name);
    else if (this.unreachable.delete(name)) this.options.log.info("node reachable again", { node: name });
    this.options.metrics.unreachable = this.unreachable.size;
  }

  private async recover(node: DeepReadonly<Node>): Promise<void> {
    const name = node.metadata?.name ?? "";
    const taints = withoutUnreachableTaint(node);
    if (taints) {
      await this.writeTaints(node, taints);
      this.options.log.info("removed the unreachable taint", { node: name });
    }
    const ready = readyCondition(node);
    if (ready?.status === "Unknown" && ready.reason === UNKNOWN_REASON) this.options.requestResync(name);
  }

  private async markUnreachable(node: DeepReadonly<Node>, now: number): Promise<ReconcileResult | void> {
    const { client, metrics } = this.options;
    const name = node.metadata?.name ?? "";
    const nowIso = new Date(now).toISOString();
    const conditions = unknownConditions(node, nowIso);
    let current = node;
    if (conditions) {
      // The taint write below starts from what this returns, so its resourceVersion is current.
      current = await client.patch<Node>(
        NODES,
        undefined,
        name,
        { status: { conditions } },
        { subresource: "status" },
      );
      metrics.statusWrites++;
    }
    const taintAdded = await this.ensureTaint(current, now);
    // Untainted (rate limited, or master disruption mode): pods are marked not ready but stay.
    const since = taintAdded.at === undefined ? Infinity : Date.parse(taintAdded.at);
    let next = taintAdded.retryAt;
    for (const pod of this.options.pods.listByIndex("byNodeName", name)) {
      if (pod.metadata?.deletionTimestamp) continue;
      const deadline = since + tolerationMs(pod, this.options.defaultTolerationSeconds);
      if (deadline <= now) {
        await this.evict(pod, name);
        continue;
      }
      next = Math.min(next, deadline);
      const podConditions = notReadyConditions(pod, nowIso);
      if (podConditions) {
        await client
          .patch(
            PODS,
            pod.metadata?.namespace,
            pod.metadata?.name ?? "",
            { status: { conditions: podConditions } },
            { subresource: "status" },
          )
          .catch((err: unknown) => {
            if (!isNotFound(err)) throw err;
          });
        metrics.podStatusWrites++;
      }
    }
    return Number.isFinite(next) ? { requeueAfterMs: Math.max(1, next - now) } : undefined;
  }

  /**
   * The unreachable taint: placed when the node's zone has a token, lifted in
   * master disruption mode. Returns when it was added (undefined: not there)
   * and when (ms since the epoch) to look again for a token.
   */
  private async ensureTaint(
    node: DeepReadonly<Node>,
    now: number,
  ): Promise<{ at: string | undefined; retryAt: number }> {
    const { disruption, log } = this.options;
    const name = node.metadata?.name ?? "";
    const nowIso = new Date(now).toISOString();
    const taint = unreachableTaint(node);
    if (disruption.inMasterDisruption) {
      const taints = withoutUnreachableTaint(node);
      if (taints) {
        await this.writeTaints(node, taints);
        log.info("lifted the unreachable taint: master disruption mode", { node: name });
      }
      return { at: undefined, retryAt: Infinity };
    }
    if (taint) return { at: taint.timeAdded ?? nowIso, retryAt: Infinity };
    const waitMs = disruption.takeTaintToken(zoneKey(node), now);
    if (waitMs > 0) return { at: undefined, retryAt: now + waitMs };
    const taints = withUnreachableTaint(node, nowIso);
    if (taints) {
      await this.writeTaints(node, taints);
      log.info("tainted the node unreachable", { node: name });
    }
    return { at: nowIso, retryAt: Infinity };
  }

  private async evict(pod: DeepReadonly<Pod>, node: string): Promise<void> {
    const namespace = pod.metadata?.namespace;
    const name = pod.metadata?.name ?? "";
    try {
      // Preconditioned on the uid: a pod of the same name created since is not ours to delete.
      await this.options.client.delete(PODS, namespace, name, {
        preconditions: { uid: pod.metadata?.uid },
      });
      this.options.metrics.evictions++;
      this.options.log.info("evicted a pod from an unreachable node", { node, pod: `${namespace}/${name}` });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** Writes the Node's taints; the resourceVersion makes a concurrent change a conflict (retried). */
  private async writeTaints(node: DeepReadonly<Node>, taints: Taint[]): Promise<void> {
    const updated = structuredClone(node) as Node;
    updated.spec = { ...updated.spec, taints };
    await this.options.client.update(NODES, updated);
    this.options.metrics.taintWrites++;
  }
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
