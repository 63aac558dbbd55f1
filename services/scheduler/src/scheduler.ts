/**
 * The scheduling loop, after Kubernetes' schedule_one.go: pop a pod, filter
 * nodes from a rotating start until enough feasible ones are found, score
 * them, pick the best (random among ties), assume the pod onto it in the
 * cache and bind asynchronously. The cycle itself is synchronous, so no
 * other decision can interleave between reading the snapshot and assuming.
 *
 * Opportunistic batching (after Kubernetes 1.35): a pod whose signature (see
 * framework Signer) equals the previous scored pod's reuses that cycle's
 * candidate nodes and the signing plugins' raw scores; only nodes whose
 * NodeInfo changed since (the previous pod's node, bindings confirmed) are
 * filtered and scored again, and plugins that do not sign (spreading, which
 * depends on the pod's owner) score every candidate as usual. The choice is
 * exactly what a full cycle over the same candidates would make; only the
 * sample of nodes stays the same for a few pods before the next full cycle
 * moves it on.
 */
import { KINDS, referenceTo, type EventRecorder } from "@ktl/events";
import { findResource, type Node, type Pod, type PodCondition } from "@ktl/api";
import { isConflict, isNotFound } from "@ktl/apimachinery";
import type { Client } from "@ktl/client";
import type { Logger } from "@ktl/service";
import { SchedulerCache, podKey } from "./cache/cache.js";
import { Snapshot } from "./cache/snapshot.js";
import {
  Code,
  HANDLE_KEY,
  type CycleState,
  type FilterPlugin,
  type Handle,
  type NodeInfo,
  type ScorePlugin,
  type Status,
} from "./framework/interface.js";
import { Batch, scoreSigned } from "./batch.js";
import { SchedulerMetrics } from "./metrics.js";
import { SchedulingQueue, type QueuedPodInfo } from "./queue/scheduling-queue.js";

export const DEFAULT_SCHEDULER_NAME = "default-scheduler";
const PODS = findResource("", "pods")!; // eslint-disable-line @typescript-eslint/no-non-null-assertion
const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
/** Pods placed from one batch's candidates before a full cycle samples the next nodes. */
export const MAX_BATCH_REUSE = 32;
/** Scheduling cycles between turns of the event loop (see run). */
const YIELD_EVERY_PODS = 4;

export type FailureMessage = (total: number, statuses: Map<string, Status>) => string;

export interface SchedulerOptions {
  readonly client: Pick<Client, "bindStreamed" | "patch">;
  readonly filters: readonly FilterPlugin[];
  readonly scores: readonly ScorePlugin[];
  readonly failureMessage: FailureMessage;
  readonly log: Logger;
  readonly schedulerName?: string;
  readonly now?: () => number;
  readonly random?: () => number;
  /** 0 (default) = adaptive, 50 % at ≤ 100 nodes down to 5 %, as Kubernetes. */
  readonly percentageOfNodesToScore?: number;
  /** Bindings in flight at once; the loop waits for a slot beyond this. */
  readonly maxInFlightBinds?: number;
  readonly assumedTtlMs?: number;
  /** Scheduled / FailedScheduling events; none when absent. */
  readonly recorder?: EventRecorder;
}

/** Kubernetes' numFeasibleNodesToFind. */
export function numFeasibleNodesToFind(numAllNodes: number, percentage = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let p = percentage;
  if (p <= 0) p = Math.max(50 - Math.floor(numAllNodes / 125), MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
  if (p >= 100) return numAllNodes;
  return Math.max(Math.floor((numAllNodes * p) / 100), MIN_FEASIBLE_NODES_TO_FIND);
}

export function isTerminated(pod: Pod): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

export class Scheduler {
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue;
  readonly snapshot = new Snapshot();
  readonly metrics = new SchedulerMetrics();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly maxInFlight: number;
  private readonly inFlightBinds = new Set<Promise<void>>();
  /** Wakes the loop waiting for a free binding slot (a race over every binding would cost O(slots)). */
  private bindSlotFreed: (() => void) | undefined;
  private nextStartNodeIndex = 0;
  private readonly handle: Handle;
  private batch: Batch | undefined;
  private readonly signatures = new WeakMap<Pod, string | undefined>();
  private scratch = new Float64Array(0);
  /** Pods placed from a batch rather than a full cycle (for tests and metrics). */
  batchedPods = 0;

  constructor(private readonly options: SchedulerOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.maxInFlight = options.maxInFlightBinds ?? 64;
    this.cache = new SchedulerCache({ now: this.now, assumedTtlMs: options.assumedTtlMs });
    this.queue = new SchedulingQueue({ now: this.now });
    const cache = this.cache;
    this.handle = { peersOf: (owner) => cache.peersOf(owner) };
  }

  /** Ours to schedule: our scheduler name, not bound, not being deleted, not finished. */
  responsibleFor(pod: Pod): boolean {
    const name = pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME;
    return (
      name === (this.options.schedulerName ?? DEFAULT_SCHEDULER_NAME) &&
      !pod.spec?.nodeName &&
      !pod.metadata?.deletionTimestamp &&
      !isTerminated(pod)
    );
  }

  // --- informer handlers (objects are the informer's; never mutated) ---

  onPodAdd(pod: Pod): void {
    if (pod.spec?.nodeName) {
      if (!isTerminated(pod)) this.cache.addPod(pod);
    } else if (this.responsibleFor(pod)) this.queue.add(pod);
  }

  onPodUpdate(old: Pod, pod: Pod): void {
    if (pod.spec?.nodeName) {
      if (!old.spec?.nodeName) this.queue.delete(pod);
      if (isTerminated(pod)) {
        this.cache.removePod(pod);
        if (!isTerminated(old)) this.queue.moveAllToActiveOrBackoff();
      } else this.cache.updatePod(pod);
    } else if (this.responsibleFor(pod)) this.queue.update(pod);
    else this.queue.delete(pod);
  }

  onPodDelete(pod: Pod): void {
    if (pod.spec?.nodeName) {
      this.cache.removePod(pod);
      this.queue.moveAllToActiveOrBackoff();
    } else {
      this.cache.forget(pod);
      this.queue.delete(pod);
    }
  }

  onNodeAdd(node: Node): void {
    this.cache.addNode(node);
    this.queue.moveAllToActiveOrBackoff();
  }

  onNodeUpdate(old: Node, node: Node): void {
    this.cache.updateNode(node);
    if (nodeSchedulingPropertiesChanged(old, node)) this.queue.moveAllToActiveOrBackoff();
  }

  onNodeDelete(node: Node): void {
    this.cache.removeNode(node.metadata?.name ?? "");
  }

  // --- the loop ---

  /** Schedules until `signal` aborts, then waits for bindings in flight. */
  async run(signal: AbortSignal): Promise<void> {
    let sinceYield = 0;
    for (;;) {
      while (this.inFlightBinds.size >= this.maxInFlight)
        await new Promise<void>((resolve) => (this.bindSlotFreed = resolve));
      const info = await this.queue.pop(signal);
      if (!info) break;
      this.scheduleOne(info);
      // A popped pod resolves without touching I/O, so a backlog would run cycle
      // after cycle while the bindings they started sit unsent in the socket and
      // finished ones go unread; a turn of the event loop now and then keeps
      // bindings flowing while the next pods are decided.
      if (++sinceYield >= YIELD_EVERY_PODS) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    await this.waitForBindings();
  }

  /** Resolves when every binding started so far has finished. */
  async waitForBindings(): Promise<void> {
    while (this.inFlightBinds.size > 0) await Promise.all(this.inFlightBinds);
  }

  /** One synchronous scheduling cycle; the binding (or status write) continues in the background. */
  scheduleOne(info: QueuedPodInfo): void {
    const pod = info.pod;
    if (!this.responsibleFor(pod) || this.cache.isAssumed(pod)) {
      this.queue.done(info.key);
      return;
    }
    const started = this.now();
    this.cache.updateSnapshot(this.snapshot);
    const state: CycleState = new Map();
    state.set(HANDLE_KEY, this.handle);
    const signature = this.signature(pod);
    let host = this.fromBatch(state, pod, signature);
    if (host) this.batchedPods++;
    else {
      this.batch = undefined;
      const { feasible, positions, statuses } = this.findFeasibleNodes(state, pod);
      if (feasible.length === 0) {
        const error = [...statuses.values()].some((s) => s.code === Code.Error);
        this.metrics.attempt(error ? "error" : "unschedulable", (this.now() - started) / 1000);
        const message = this.options.failureMessage(this.snapshot.list.length, statuses);
        const plugins = [...new Set([...statuses.values()].map((s) => s.plugin ?? ""))].filter(Boolean);
        this.queue.addUnschedulable(info, { error, plugins });
        this.recordUnschedulable(pod, message);
        this.options.recorder?.event(referenceTo(pod, KINDS.Pod), "Warning", "FailedScheduling", message);
        return;
      }
      host =
        feasible.length === 1
          ? feasible[0]! // eslint-disable-line @typescript-eslint/no-non-null-assertion
          : this.selectHost(state, pod, feasible, positions, signature);
    }
    this.cache.assume(pod, host.name);
    this.metrics.attempt("scheduled", (this.now() - started) / 1000);
    const binding = this.bind(info, host.name).finally(() => {
      this.inFlightBinds.delete(binding);
      const wake = this.bindSlotFreed;
      this.bindSlotFreed = undefined;
      wake?.();
    });
    this.inFlightBinds.add(binding);
  }

  findFeasibleNodes(
    state: CycleState,
    pod: Pod,
  ): { feasible: NodeInfo[]; positions: number[]; statuses: Map<string, Status> } {
    const nodes = this.snapshot.list;
    const n = nodes.length;
    const feasible: NodeInfo[] = [];
    /** Each feasible node's index in the snapshot list. */
    const positions: number[] = [];
    const statuses = new Map<string, Status>();
    if (n === 0) return { feasible, positions, statuses };
    const want = numFeasibleNodesToFind(n, this.options.percentageOfNodesToScore);
    const start = this.nextStartNodeIndex % n;
    let processed = 0;
    for (let i = 0; i < n && feasible.length < want; i++) {
      const at = (start + i) % n;
      const node = nodes[at]!; // eslint-disable-line @typescript-eslint/no-non-null-assertion
      processed++;
      const status = this.runFilters(state, pod, node);
      if (status.code === Code.Success) {
        feasible.push(node);
        positions.push(at);
      } else statuses.set(node.name, status);
    }
    this.nextStartNodeIndex = (start + processed) % n;
    return { feasible, positions, statuses };
  }

  private runFilters(state: CycleState, pod: Pod, node: NodeInfo): Status {
    for (const plugin of this.options.filters) {
      let status: Status;
      try {
        status = plugin.filter(state, pod, node);
      } catch (err) {
        status = { code: Code.Error, reasons: [String(err)] };
      }
      if (status.code !== Code.Success) return status.plugin ? status : { ...status, plugin: plugin.name };
    }
    return { code: Code.Success, reasons: [] };
  }

  /**
   * The pod's batching signature: every filter's and signing score plugin's
   * part, or undefined when a filter does not sign (then nothing is reused).
   */
  private signature(pod: Pod): string | undefined {
    if (this.signatures.has(pod)) return this.signatures.get(pod);
    let signature: string | undefined;
    if (this.options.filters.every((p) => p.sign !== undefined)) {
      const parts: string[] = [];
      for (const p of [...this.options.filters, ...this.options.scores])
        if (p.sign) parts.push(`${p.name}=${p.sign(pod)}`);
      signature = parts.join("\u0000");
    }
    this.signatures.set(pod, signature);
    return signature;
  }

  /**
   * The host from the previous cycle's candidates when `pod` shares its
   * signature and the node set is the same; undefined when a full cycle is
   * needed (no batch, used up, or a candidate stopped fitting).
   */
  private fromBatch(state: CycleState, pod: Pod, signature: string | undefined): NodeInfo | undefined {
    const batch = this.batch;
    if (
      batch === undefined ||
      signature === undefined ||
      batch.signature !== signature ||
      batch.list !== this.snapshot.list ||
      batch.uses >= MAX_BATCH_REUSE
    )
      return undefined;
    const fits = (node: NodeInfo): boolean => this.runFilters(state, pod, node).code === Code.Success;
    if (!batch.refresh(state, pod, this.snapshot.list, fits, this.warn)) return undefined;
    batch.uses++;
    return this.pick(state, pod, batch.nodes, batch.signed);
  }

  /** A full cycle's choice among `nodes`; remembers it as a batch when the pod has a signature. */
  private selectHost(
    state: CycleState,
    pod: Pod,
    nodes: NodeInfo[],
    positions: number[],
    signature: string | undefined,
  ): NodeInfo {
    if (signature === undefined) return this.pick(state, pod, nodes, undefined);
    const raw = scoreSigned(this.options.scores, state, pod, nodes, this.warn);
    const batch = new Batch(
      signature,
      this.snapshot.list,
      nodes,
      positions,
      this.options.scores,
      raw,
      state,
      pod,
      this.warn,
    );
    this.batch = batch;
    return this.pick(state, pod, nodes, batch.signed);
  }

  /**
   * Weighted sum of every score plugin's normalised scores; the highest wins,
   * ties at random. `signed`, when given, already holds the signing plugins'
   * share of each total (from a batch), and only the others are scored.
   */
  private pick(
    state: CycleState,
    pod: Pod,
    nodes: readonly NodeInfo[],
    signed: Float64Array | undefined,
  ): NodeInfo {
    // Totals in arrays indexed like `nodes` rather than Maps keyed by node name (hot loop).
    const n = nodes.length;
    if (this.scratch.length < 2 * n) this.scratch = new Float64Array(4 * n);
    // Views of one reused buffer: plugins see arrays of exactly n scores, nothing is allocated per cycle.
    const totals = this.scratch.subarray(0, n);
    if (signed) totals.set(signed);
    else totals.fill(0);
    const scores = this.scratch.subarray(n, 2 * n);
    for (const plugin of this.options.scores) {
      if (signed && plugin.sign) continue;
      try {
        plugin.preScore?.(state, pod, nodes);
        if (plugin.scoreAll) plugin.scoreAll(state, pod, nodes, scores);
        else for (let i = 0; i < n; i++) scores[i] = plugin.score(state, pod, nodes[i]!); // eslint-disable-line @typescript-eslint/no-non-null-assertion
        plugin.normalize?.(state, pod, nodes, scores);
        for (let i = 0; i < n; i++) totals[i]! += scores[i]! * plugin.weight; // eslint-disable-line @typescript-eslint/no-non-null-assertion
      } catch (err) {
        this.warn(plugin.name, err);
      }
    }
    let best = 0;
    let bestScore = -Infinity;
    let ties = 0;
    for (let i = 0; i < n; i++) {
      const score = totals[i]!; // eslint-disable-line @typescript-eslint/no-non-null-assertion
      if (score > bestScore) {
        best = i;
        bestScore = score;
        ties = 1;
      } else if (score === bestScore && this.random() * ++ties < 1) best = i;
    }
    return nodes[best]!; // eslint-disable-line @typescript-eslint/no-non-null-assertion
  }

  private readonly warn = (plugin: string, err: unknown): void =>
    this.options.log.warn("score plugin failed", { plugin, error: String(err) });

  private async bind(info: QueuedPodInfo, nodeName: string): Promise<void> {
    const pod = info.pod;
    const meta = pod.metadata ?? {};
    try {
      // Over the client's binding stream: no gRPC call per binding on either end.
      await this.options.client.bindStreamed(meta.namespace, meta.name ?? "", nodeName);
      this.cache.finishBinding(pod);
      this.queue.done(info.key);
      this.metrics.podsScheduled++;
      this.options.recorder?.event(
        referenceTo(pod, KINDS.Pod),
        "Normal",
        "Scheduled",
        "Successfully assigned %s/%s to %s",
        meta.namespace ?? "",
        meta.name ?? "",
        nodeName,
      );
      const created = meta.creationTimestamp ? Date.parse(meta.creationTimestamp) : NaN;
      if (!Number.isNaN(created)) this.metrics.e2eLatency.observe(Math.max(0, this.now() - created) / 1000);
    } catch (err) {
      this.cache.forget(pod);
      this.metrics.bindErrors++;
      if (isNotFound(err) || isConflict(err)) {
        // Gone, or bound by someone else / being deleted: the informer tells the rest.
        this.queue.done(info.key);
        return;
      }
      this.options.log.warn("binding failed", { pod: info.key, node: nodeName, error: String(err) });
      this.options.recorder?.event(
        referenceTo(pod, KINDS.Pod),
        "Warning",
        "FailedScheduling",
        "Binding rejected: %s",
        err instanceof Error ? err.message : String(err),
      );
      this.queue.addUnschedulable(info, { error: true });
    }
  }

  /** PodScheduled=False/Unschedulable through the status subresource, skipped when unchanged. */
  private recordUnschedulable(pod: Pod, message: string): void {
    const current = (pod.status?.conditions ?? []).find((c) => c.type === "PodScheduled");
    if (current?.status === "False" && current.reason === "Unschedulable" && current.message === message)
      return;
    const condition: PodCondition = {
      type: "PodScheduled",
      status: "False",
      reason: "Unschedulable",
      message,
      lastTransitionTime:
        current?.status === "False" && current.lastTransitionTime
          ? current.lastTransitionTime
          : new Date(this.now()).toISOString().replace(/\.\d+Z$/, "Z"),
    };
    const meta = pod.metadata ?? {};
    this.options.client
      .patch(
        PODS,
        meta.namespace,
        meta.name ?? "",
        { status: { conditions: [condition] } },
        { patchType: "application/strategic-merge-patch+json", subresource: "status" },
      )
      .catch((err: unknown) => {
        if (!isNotFound(err))
          this.options.log.warn("could not record the pod as unschedulable", {
            pod: podKey(pod),
            error: String(err),
          });
      });
  }
}

/** Changes that can make a pod fit: allocatable, labels, taints, unschedulable, conditions. */
function nodeSchedulingPropertiesChanged(old: Node, node: Node): boolean {
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  return (
    !same(old.status?.allocatable, node.status?.allocatable) ||
    !same(old.metadata?.labels, node.metadata?.labels) ||
    !same(old.spec?.taints, node.spec?.taints) ||
    (old.spec?.unschedulable ?? false) !== (node.spec?.unschedulable ?? false) ||
    !same(
      old.status?.conditions?.map((c) => [c.type, c.status]),
      node.status?.conditions?.map((c) => [c.type, c.status]),
    )
  );
}
