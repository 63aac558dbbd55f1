/**
 * NodeAffinity: `nodeSelector` and required node affinity must match (filter);
 * matching preferred terms add their weights (score, normalised to 0–100).
 */
import type { Pod } from "@ktl/api";
import { SUCCESS, unresolvable } from "../../framework/interface.js";
import type { CycleState, FilterPlugin, NodeInfo, ScorePlugin } from "../../framework/interface.js";
import { cached } from "../cycle.js";
import { defaultNormalizeScore } from "../normalize.js";
import { compileTerm, compileTerms } from "./selector.js";
import type { NodeMatcher } from "./selector.js";

export const NAME = "NodeAffinity";
// Built once: a fresh template string per call would be re-hashed on every CycleState lookup.
const REQUIRED_KEY = `${NAME}/required`;
const PREFERRED_KEY = `${NAME}/preferred`;
export const DEFAULT_WEIGHT = 2;
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

/** The pod's nodeSelector and required terms as one predicate; undefined when the pod constrains nothing. */
function requiredMatcher(pod: Pod): NodeMatcher | undefined {
  const selector = Object.entries(pod.spec?.nodeSelector ?? {});
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms = required === undefined ? undefined : compileTerms(required.nodeSelectorTerms ?? []);
  if (selector.length === 0 && terms === undefined) return undefined;
  return (labels, name) =>
    selector.every(([k, v]) => labels[k] === v) && (terms === undefined || terms(labels, name));
}

interface Preference {
  readonly weight: number;
  readonly match: NodeMatcher;
}

function preferences(pod: Pod): Preference[] {
  const preferred = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  return preferred
    .filter((p) => (p.weight ?? 0) !== 0)
    .map((p) => ({ weight: p.weight ?? 0, match: compileTerm(p.preference ?? {}) }));
}

export function create(opts: { weight?: number } = {}) {
  return {
    name: NAME,
    weight: opts.weight ?? DEFAULT_WEIGHT,
    sign: (pod: Pod) =>
      JSON.stringify([pod.spec?.nodeSelector ?? {}, pod.spec?.affinity?.nodeAffinity ?? {}]),
    filter(state: CycleState, pod: Pod, node: NodeInfo) {
      const match = cached(state, REQUIRED_KEY, pod, requiredMatcher);
      if (match === undefined || match(node.node.metadata?.labels ?? {}, node.name)) return SUCCESS;
      return unresolvable(ERR_REASON_POD);
    },
    /** Sum of the weights of the preferred terms this node matches. */
    score(state: CycleState, pod: Pod, node: NodeInfo) {
      const prefs = cached(state, PREFERRED_KEY, pod, preferences);
      if (prefs.length === 0) return 0;
      const labels = node.node.metadata?.labels ?? {};
      let sum = 0;
      for (const p of prefs) if (p.match(labels, node.name)) sum += p.weight;
      return sum;
    },
    normalize(_state: CycleState, _pod: Pod, _nodes: readonly NodeInfo[], scores: Float64Array) {
      defaultNormalizeScore(scores, false);
    },
  } satisfies FilterPlugin & ScorePlugin;
}
