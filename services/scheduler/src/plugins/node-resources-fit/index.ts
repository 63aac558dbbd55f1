/**
 * NodeResourcesFit: the pod's requests must fit the node's allocatable minus
 * what its pods already request (filter), and nodes with more room left score
 * higher (score, the LeastAllocated strategy with cpu and memory weighted 1).
 */
import type { Pod } from "@ktl/api";
import { Code, MAX_NODE_SCORE, SUCCESS } from "../../framework/interface.js";
import type { CycleState, FilterPlugin, NodeInfo, ScorePlugin, Status } from "../../framework/interface.js";
import { cycleNonZeroRequests, cycleRequests, nonZeroPodRequests, podRequests } from "../resources.js";

export const NAME = "NodeResourcesFit";
export const DEFAULT_WEIGHT = 1;

export interface InsufficientResource {
  readonly resourceName: string;
  readonly reason: string;
  readonly requested: number;
  readonly used: number;
  readonly capacity: number;
  /** The pod would not fit even on the empty node, so preemption cannot help. */
  readonly unresolvable: boolean;
}

function insufficient(
  resourceName: string,
  requested: number,
  used: number,
  capacity: number,
): InsufficientResource {
  return {
    resourceName,
    reason: `Insufficient ${resourceName}`,
    requested,
    used,
    capacity,
    unresolvable: requested > capacity,
  };
}

/** Kubernetes' fitsRequest: every shortage, in the order pods, cpu, memory, then scalars. */
export function fitsRequest(state: CycleState, pod: Pod, node: NodeInfo): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const { allocatable, requested } = node;
  if (node.pods.length + 1 > allocatable.pods) {
    out.push({
      resourceName: "pods",
      reason: "Too many pods",
      requested: 1,
      used: node.pods.length,
      capacity: allocatable.pods,
      unresolvable: false,
    });
  }
  const req = cycleRequests(state, pod);
  const scalars = Object.entries(req.scalar);
  if (req.milliCpu === 0 && req.memory === 0 && scalars.length === 0) return out;
  if (req.milliCpu > 0 && req.milliCpu > allocatable.milliCpu - requested.milliCpu) {
    out.push(insufficient("cpu", req.milliCpu, requested.milliCpu, allocatable.milliCpu));
  }
  if (req.memory > 0 && req.memory > allocatable.memory - requested.memory) {
    out.push(insufficient("memory", req.memory, requested.memory, allocatable.memory));
  }
  for (const [name, quantity] of scalars) {
    if (quantity === 0) continue;
    const cap = allocatable.scalar[name] ?? 0;
    const used = requested.scalar[name] ?? 0;
    if (quantity > cap - used) out.push(insufficient(name, quantity, used, cap));
  }
  return out;
}

/** Kubernetes' leastRequestedScore: the share of capacity left free, 0–100. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export function create(opts: { weight?: number } = {}) {
  return {
    name: NAME,
    weight: opts.weight ?? DEFAULT_WEIGHT,
    sign: (pod: Pod) => JSON.stringify([podRequests(pod), nonZeroPodRequests(pod)]),
    filter(state: CycleState, pod: Pod, node: NodeInfo): Status {
      const shortages = fitsRequest(state, pod, node);
      if (shortages.length === 0) return SUCCESS;
      return {
        code: shortages.some((s) => s.unresolvable) ? Code.UnschedulableAndUnresolvable : Code.Unschedulable,
        reasons: shortages.map((s) => s.reason),
      };
    },
    /**
     * LeastAllocated over cpu and memory (weights 1), counting pods without
     * requests at the non-zero defaults so empty-request pods still spread.
     */
    score(state: CycleState, pod: Pod, node: NodeInfo) {
      const req = cycleNonZeroRequests(state, pod);
      const pairs: [number, number][] = [
        [node.nonZeroRequested.milliCpu + req.milliCpu, node.allocatable.milliCpu],
        [node.nonZeroRequested.memory + req.memory, node.allocatable.memory],
      ];
      let sum = 0;
      let weights = 0;
      for (const [requested, capacity] of pairs) {
        if (capacity === 0) continue;
        sum += leastRequestedScore(requested, capacity);
        weights += 1;
      }
      return weights === 0 ? 0 : Math.floor(sum / weights);
    },
  } satisfies FilterPlugin & ScorePlugin;
}
