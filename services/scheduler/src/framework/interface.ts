/**
 * The scheduling framework's contracts, after Kubernetes' pkg/scheduler/framework:
 * a pod is filtered against every candidate node (Filter plugins, all must
 * pass), the feasible nodes are scored (Score plugins, 0–100 each, weighted and
 * summed), the best node wins, the pod is assumed onto it in the cache, and the
 * binding is written asynchronously.
 *
 * Plugins never throw: they return a Status. They must be pure functions of
 * their inputs (the pod, the node's NodeInfo, the snapshot) so that filtering
 * can be parallelised and results cached.
 */
import type { Node, Pod, Taint } from "@ktl/api";

export const Code = {
  Success: "Success",
  /** The pod does not fit this node now; it may after the cluster changes. */
  Unschedulable: "Unschedulable",
  /** The pod can never fit this node (e.g. node name or selector mismatch); preemption would not help. */
  UnschedulableAndUnresolvable: "UnschedulableAndUnresolvable",
  Error: "Error",
} as const;
export type Code = (typeof Code)[keyof typeof Code];

export interface Status {
  readonly code: Code;
  /** Human reasons, as Kubernetes prints them: "Insufficient memory", "node(s) didn't match Pod's node affinity/selector". */
  readonly reasons: readonly string[];
  /** The plugin that produced a non-success status. */
  readonly plugin?: string;
}

export const SUCCESS: Status = { code: Code.Success, reasons: [] };

export function unschedulable(...reasons: string[]): Status {
  return { code: Code.Unschedulable, reasons };
}

export function unresolvable(...reasons: string[]): Status {
  return { code: Code.UnschedulableAndUnresolvable, reasons };
}

/** Resources in canonical units: cpu in millicores, memory and storage in bytes, pods as a count. */
export interface Resources {
  milliCpu: number;
  memory: number;
  pods: number;
  /** Other scalar resources by name (e.g. "example.com/gpu"). */
  scalar: Record<string, number>;
}

/**
 * What the scheduler knows about one node: the Node object and the pods on it
 * (bound or assumed), with their summed requests and used host ports.
 * Treated as read-only by plugins; the cache replaces it on change and bumps
 * `generation` (which lets snapshots be updated incrementally).
 */
export interface NodeInfo {
  readonly node: Node;
  readonly name: string;
  /**
   * Copied from the Node when the NodeInfo is built: filters read them for
   * hundreds of nodes per cycle, and one object close by beats chasing
   * pointers into each Node.
   */
  readonly unschedulable: boolean;
  readonly taints: readonly Taint[];
  /** Kubernetes' zone key (region + zone labels), "" without them. */
  readonly zone: string;
  /** Pods per controller (see `controllerKey`) on the node, leaving out pods being deleted. */
  readonly peerCounts: ReadonlyMap<string, number>;
  readonly pods: readonly Pod[];
  readonly requested: Readonly<Resources>;
  /** Requests counting Kubernetes' non-zero defaults (100m cpu, 200 MiB) for pods without requests; used by scores. */
  readonly nonZeroRequested: Readonly<Resources>;
  readonly allocatable: Readonly<Resources>;
  /** "protocol/hostIP/port" of host ports in use. */
  readonly usedPorts: ReadonlySet<string>;
  readonly generation: number;
}

/** State shared between a pod's plugin calls within one scheduling cycle (pre-computed pod requests etc.). */
export type CycleState = Map<string, unknown>;

/**
 * Cluster-wide reads a plugin may make during a cycle (Kubernetes' framework
 * Handle), found in the CycleState under HANDLE_KEY.
 */
export interface Handle {
  /** Node name → how many pods of a controller (see controllerKey) the node holds. */
  peersOf(owner: string): ReadonlyMap<string, number> | undefined;
}

export const HANDLE_KEY = "framework/handle";

/**
 * Opportunistic batching (after Kubernetes 1.35): a plugin that implements
 * `sign` declares that its answer for a node depends only on that NodeInfo and
 * on the part of the pod `sign` returns. Two pods whose signatures agree for
 * every filter get the same feasibility everywhere, and the same raw score
 * from every signing score plugin, so the scheduler may reuse a previous
 * pod's results for nodes that did not change since.
 */
export interface Signer {
  sign?(pod: Pod): string;
}

export interface FilterPlugin extends Signer {
  readonly name: string;
  filter(state: CycleState, pod: Pod, node: NodeInfo): Status;
}

export interface ScorePlugin extends Signer {
  readonly name: string;
  /** Relative weight of this plugin's 0–100 scores in the total. */
  readonly weight: number;
  /** Optional pre-pass over all feasible nodes (e.g. to count the owner's pods per node). */
  preScore?(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): void;
  score(state: CycleState, pod: Pod, node: NodeInfo): number;
  /**
   * Optional: every node's raw score at once, `scores[i]` for `nodes[i]`, for
   * plugins that can do better than one call per node (after preScore).
   */
  scoreAll?(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], scores: Float64Array): void;
  /**
   * Optional normalisation of raw scores to 0–100 across the feasible nodes,
   * in place: `scores[i]` belongs to `nodes[i]` (arrays, not maps keyed by
   * name: this runs for hundreds of nodes every cycle).
   */
  normalize?(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], scores: Float64Array): void;
}

export const MAX_NODE_SCORE = 100;
