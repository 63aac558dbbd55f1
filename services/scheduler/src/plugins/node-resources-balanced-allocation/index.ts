/**
 * NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory would be
 * used in similar proportions after placing the pod: score = (1 − std) × 100.
 */
import type { Pod } from "@ktl/api";
import { MAX_NODE_SCORE } from "../../framework/interface.js";
import type { CycleState, NodeInfo, ScorePlugin } from "../../framework/interface.js";
import { cycleRequests, podRequests } from "../resources.js";

export const NAME = "NodeResourcesBalancedAllocation";
export const DEFAULT_WEIGHT = 1;

/** Kubernetes' balancedResourceScorer over [requested, allocatable] pairs; fractions cap at 1. */
export function balancedResourceScore(pairs: readonly (readonly [number, number])[]): number {
  const fractions: number[] = [];
  for (const [requested, allocatable] of pairs) {
    if (allocatable === 0) continue;
    fractions.push(Math.min(requested / allocatable, 1));
  }
  let std = 0;
  if (fractions.length === 2) {
    std = Math.abs(((fractions[0] ?? 0) - (fractions[1] ?? 0)) / 2);
  } else if (fractions.length > 2) {
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) * (f - mean), 0) / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export function create(opts: { weight?: number } = {}) {
  return {
    name: NAME,
    weight: opts.weight ?? DEFAULT_WEIGHT,
    sign: (pod: Pod) => JSON.stringify(podRequests(pod)),
    /**
     * Uses actual requests (not the non-zero defaults), as Kubernetes does.
     * Best-effort pods score 0 everywhere: Kubernetes skips them, since
     * balancing on nothing piles them onto one node (kubernetes#129138).
     */
    score(state: CycleState, pod: Pod, node: NodeInfo) {
      const req = cycleRequests(state, pod);
      if (req.milliCpu === 0 && req.memory === 0) return 0;
      return balancedResourceScore([
        [node.requested.milliCpu + req.milliCpu, node.allocatable.milliCpu],
        [node.requested.memory + req.memory, node.allocatable.memory],
      ]);
    },
  } satisfies ScorePlugin;
}
