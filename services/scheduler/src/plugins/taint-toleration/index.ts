/**
 * TaintToleration: NoSchedule and NoExecute taints must be tolerated (filter);
 * untolerated PreferNoSchedule taints lower the score.
 */
import type { Pod, Taint, Toleration } from "@ktl/api";
import { SUCCESS, unresolvable } from "../../framework/interface.js";
import type { CycleState, FilterPlugin, NodeInfo, ScorePlugin } from "../../framework/interface.js";
import { cached } from "../cycle.js";
import { defaultNormalizeScore } from "../normalize.js";
import { findUntoleratedTaint, tolerationsTolerateTaint } from "./taints.js";

export const NAME = "TaintToleration";
// Built once: a fresh template string per call would be re-hashed on every CycleState lookup.
const TOLERATIONS_KEY = `${NAME}/tolerations`;
export const DEFAULT_WEIGHT = 3;

export function errReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key ?? ""}: ${taint.value ?? ""}}`;
}

const doNotSchedule = (t: Taint): boolean => t.effect === "NoSchedule" || t.effect === "NoExecute";

// Only tolerations that could apply to PreferNoSchedule taints matter for the score.
function preferNoScheduleTolerations(pod: Pod): Toleration[] {
  return (pod.spec?.tolerations ?? []).filter(
    (t) => (t.effect ?? "") === "" || t.effect === "PreferNoSchedule",
  );
}

export function create(opts: { weight?: number } = {}) {
  return {
    name: NAME,
    weight: opts.weight ?? DEFAULT_WEIGHT,
    sign: (pod: Pod) => JSON.stringify(pod.spec?.tolerations ?? []),
    filter(_state: CycleState, pod: Pod, node: NodeInfo) {
      const taint = findUntoleratedTaint(node.taints, pod.spec?.tolerations, doNotSchedule);
      return taint === undefined ? SUCCESS : unresolvable(errReason(taint));
    },
    /** The number of PreferNoSchedule taints the pod does not tolerate (normalised in reverse). */
    score(state: CycleState, pod: Pod, node: NodeInfo) {
      if (node.taints.length === 0) return 0;
      const tolerations = cached(state, TOLERATIONS_KEY, pod, preferNoScheduleTolerations);
      let count = 0;
      for (const taint of node.taints) {
        if (taint.effect === "PreferNoSchedule" && !tolerationsTolerateTaint(tolerations, taint)) count++;
      }
      return count;
    },
    normalize(_state: CycleState, _pod: Pod, _nodes: readonly NodeInfo[], scores: Float64Array) {
      defaultNormalizeScore(scores, true);
    },
  } satisfies FilterPlugin & ScorePlugin;
}
