/**
 * The scheduler's view of nodes and the pods on them, after Kubernetes'
 * internal/cache/cache.go.
 *
 * A pod chosen for a node is *assumed* at once, so the next decisions see its
 * requests before the binding lands; when the informer shows the pod bound
 * the entry becomes a real one (on the node the apiserver says), when binding
 * fails it is forgotten. An assumed pod whose binding finished but which the
 * informer never confirms expires after `assumedTtlMs` (a lost watch event
 * must not hold capacity forever).
 *
 * Not thread-safe in Go's sense and need not be: every call runs to completion
 * on the event loop.
 */
import type { Node, Pod } from "@ktl/api";
import type { NodeInfo } from "../framework/interface.js";
import { buildNodeInfo, controllerKey, sameFootprint, withPod } from "./node-info.js";
import type { Snapshot } from "./snapshot.js";

interface NodeEntry {
  readonly name: string;
  node: Node | undefined;
  pods: Map<string, Pod>;
  info: NodeInfo | undefined;
  generation: number;
}

interface PodState {
  pod: Pod;
  nodeName: string;
  assumed: boolean;
  /** Set by finishBinding: the assumed pod expires after this time unless confirmed. */
  deadline: number | undefined;
}

export interface CacheOptions {
  readonly now?: () => number;
  /** How long an assumed pod whose binding finished waits for the informer; 0 = forever. */
  readonly assumedTtlMs?: number;
}

export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
}

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeEntry>();
  private readonly podStates = new Map<string, PodState>();
  private readonly now: () => number;
  private readonly ttlMs: number;
  private generation = 0;
  /** Bumped when the set of nodes changes, so snapshots know to rebuild their list. */
  private nodeSetGeneration = 0;
  /**
   * Which node changed at which generation, in generation order, so a snapshot
   * refresh visits only the nodes changed since it was taken instead of all
   * of them (Kubernetes keeps a most-recently-updated list for the same reason).
   */
  private changeLog: { generation: number; name: string }[] = [];
  /**
   * Per controller, how many of its pods (bound or assumed, not being
   * deleted) each node holds: spreading scores read the few nodes a
   * controller uses instead of probing every candidate node.
   */
  private readonly peers = new Map<string, Map<string, number>>();

  constructor(options: CacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.ttlMs = options.assumedTtlMs ?? 120_000;
  }

  // --- nodes ---

  addNode(node: Node): void {
    const name = node.metadata?.name ?? "";
    const entry = this.entry(name);
    if (!entry.node) this.nodeSetGeneration++;
    entry.node = node;
    this.touch(entry);
  }

  updateNode(node: Node): void {
    this.addNode(node);
  }

  removeNode(name: string): void {
    const entry = this.nodes.get(name);
    if (!entry?.node) return;
    entry.node = undefined;
    this.nodeSetGeneration++;
    if (entry.pods.size === 0) this.nodes.delete(name);
    else this.touch(entry);
  }

  // --- pods seen bound by the informer ---

  /** A bound pod from the informer: confirms an assumed one, or adds/moves a real entry. */
  addPod(pod: Pod): void {
    const key = podKey(pod);
    const nodeName = pod.spec?.nodeName ?? "";
    if (!nodeName) return;
    const state = this.podStates.get(key);
    this.podStates.set(key, { pod, nodeName, assumed: false, deadline: undefined });
    const entry = this.nodes.get(nodeName);
    if (state?.assumed && state.nodeName === nodeName && entry && sameFootprint(state.pod, pod)) {
      // The binding we assumed, confirmed: the node's NodeInfo is unchanged, so
      // keep it (and every snapshot and batch built on it) rather than rebuild.
      entry.pods.set(key, pod);
      return;
    }
    if (state) this.detach(key, state.nodeName);
    this.attach(key, pod, nodeName);
  }

  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  removePod(pod: Pod): void {
    const key = podKey(pod);
    const state = this.podStates.get(key);
    if (!state) return;
    this.podStates.delete(key);
    this.detach(key, state.nodeName);
  }

  // --- the assume protocol ---

  /** Counts `pod` on `nodeName` until confirmed or forgotten. Throws if the pod is already in the cache. */
  assume(pod: Pod, nodeName: string): void {
    const key = podKey(pod);
    if (this.podStates.has(key)) throw new Error(`pod ${key} is already in the cache`);
    const bound: Pod = { ...pod, spec: { ...pod.spec, containers: pod.spec?.containers ?? [], nodeName } };
    this.podStates.set(key, { pod: bound, nodeName, assumed: true, deadline: undefined });
    this.attach(key, bound, nodeName);
  }

  /** The binding call returned (successfully): start the expiry clock. */
  finishBinding(pod: Pod): void {
    const state = this.podStates.get(podKey(pod));
    if (state?.assumed) state.deadline = this.ttlMs > 0 ? this.now() + this.ttlMs : undefined;
  }

  /** Binding failed: the assumed pod no longer counts. A confirmed pod is left alone. */
  forget(pod: Pod): void {
    const key = podKey(pod);
    const state = this.podStates.get(key);
    if (!state?.assumed) return;
    this.podStates.delete(key);
    this.detach(key, state.nodeName);
  }

  isAssumed(pod: Pod): boolean {
    return this.podStates.get(podKey(pod))?.assumed ?? false;
  }

  /** Drops assumed pods whose binding finished more than the TTL ago; returns their keys. */
  cleanupExpired(): string[] {
    const now = this.now();
    const expired: string[] = [];
    for (const [key, state] of this.podStates) {
      if (state.assumed && state.deadline !== undefined && state.deadline <= now) {
        this.podStates.delete(key);
        this.detach(key, state.nodeName);
        expired.push(key);
      }
    }
    return expired;
  }

  // --- reads ---

  /** Node name → pods of `owner` (see controllerKey) there; current as of the last cache change. */
  peersOf(owner: string): ReadonlyMap<string, number> | undefined {
    return this.peers.get(owner);
  }

  nodeInfo(name: string): NodeInfo | undefined {
    return this.info(this.nodes.get(name));
  }

  nodeCount(): number {
    let n = 0;
    for (const entry of this.nodes.values()) if (entry.node) n++;
    return n;
  }

  podCount(): number {
    return this.podStates.size;
  }

  /**
   * Brings `snapshot` up to date: only NodeInfos whose generation is newer
   * than the snapshot's are rebuilt and replaced; the node list is rebuilt
   * only when nodes were added or removed.
   */
  updateSnapshot(snapshot: Snapshot): void {
    const since = snapshot.generation;
    const rebuildList = snapshot.nodeSetGeneration !== this.nodeSetGeneration;
    const changed = this.changedSince(since);
    for (const name of changed) {
      const info = this.info(this.nodes.get(name));
      if (info) snapshot.map.set(name, info);
      else snapshot.map.delete(name);
    }
    if (rebuildList) {
      for (const name of snapshot.map.keys()) if (!this.nodes.get(name)?.node) snapshot.map.delete(name);
      snapshot.list = [...snapshot.map.values()];
      snapshot.index = new Map(snapshot.list.map((info, i) => [info.name, i]));
    } else {
      for (const name of changed) {
        const i = snapshot.index.get(name);
        const info = snapshot.map.get(name);
        if (i !== undefined && info) snapshot.list[i] = info;
      }
    }
    snapshot.generation = this.generation;
    snapshot.nodeSetGeneration = this.nodeSetGeneration;
  }

  /** Names of the nodes whose generation is above `since` (each once). */
  private changedSince(since: number): Set<string> {
    const log = this.changeLog;
    let lo = 0;
    let hi = log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((log[mid]?.generation ?? 0) <= since) lo = mid + 1;
      else hi = mid;
    }
    const names = new Set<string>();
    for (let i = lo; i < log.length; i++) names.add((log[i] as { name: string }).name);
    return names;
  }

  private info(entry: NodeEntry | undefined): NodeInfo | undefined {
    if (!entry?.node) return undefined;
    entry.info ??= buildNodeInfo(entry.node, [...entry.pods.values()], entry.generation);
    return entry.info;
  }

  private entry(name: string): NodeEntry {
    let entry = this.nodes.get(name);
    if (!entry) {
      entry = { name, node: undefined, pods: new Map(), info: undefined, generation: 0 };
      this.nodes.set(name, entry);
    }
    return entry;
  }

  private touch(entry: NodeEntry): void {
    entry.generation = ++this.generation;
    entry.info = undefined;
    this.changeLog.push({ generation: entry.generation, name: entry.name });
    if (this.changeLog.length > 2 * this.nodes.size + 1024) this.compactChangeLog();
  }

  /** Keeps one entry per node (its latest change): enough for any snapshot, old or new. */
  private compactChangeLog(): void {
    this.changeLog = [...this.nodes.values()]
      .map((e) => ({ generation: e.generation, name: e.name }))
      .sort((a, b) => a.generation - b.generation);
  }

  private attach(key: string, pod: Pod, nodeName: string): void {
    const entry = this.entry(nodeName);
    const before = entry.pods.has(key) ? undefined : entry.info;
    entry.pods.set(key, pod);
    this.countPeer(pod, nodeName, 1);
    this.touch(entry);
    // A pod added at the end of the node's pods: extend the NodeInfo rather than rebuild it.
    if (before && entry.node) entry.info = withPod(before, pod, entry.generation);
  }

  private detach(key: string, nodeName: string): void {
    const entry = this.nodes.get(nodeName);
    if (!entry) return;
    const pod = entry.pods.get(key);
    if (pod) this.countPeer(pod, nodeName, -1);
    entry.pods.delete(key);
    if (!entry.node && entry.pods.size === 0) this.nodes.delete(nodeName);
    else this.touch(entry);
  }

  /** Pods being deleted do not count, as in NodeInfo.peerCounts. */
  private countPeer(pod: Pod, nodeName: string, delta: 1 | -1): void {
    const owner = controllerKey(pod);
    if (owner === undefined || pod.metadata?.deletionTimestamp !== undefined) return;
    let byNode = this.peers.get(owner);
    if (!byNode) this.peers.set(owner, (byNode = new Map<string, number>()));
    const count = (byNode.get(nodeName) ?? 0) + delta;
    if (count > 0) byNode.set(nodeName, count);
    else byNode.delete(nodeName);
    if (byNode.size === 0) this.peers.delete(owner);
  }
}
