/**
 * SelectorSpread: spreads pods of the same controller (ReplicaSet,
 * StatefulSet, …) across nodes and zones. Kubernetes matched the selectors of
 * the services and controllers selecting the pod; here the pod's controller
 * owner reference identifies its peers, which is what that selector found for
 * a Deployment's replicas. Scores follow SelectorSpread's NormalizeScore: a
 * node with fewer peers scores higher, blended 2/3 with the zone's count when
 * nodes carry zone labels.
 */
import type { Pod } from "@ktl/api";
import { MAX_NODE_SCORE } from "../../framework/interface.js";
import type { CycleState, NodeInfo, ScorePlugin } from "../../framework/interface.js";

export const NAME = "SelectorSpread";
/** The weight Kubernetes gives its replacement, PodTopologySpread's default constraints. */
export const DEFAULT_WEIGHT = 2;
const ZONE_WEIGHTING = 2 / 3;
const STATE_KEY = `${NAME}/preScore`;

// Pods are immutable (informer objects, cache copies): their owner keys are memoised
// per object, as countPeers runs over every pod of every feasible node for each cycle.
const ownerKeys = new WeakMap<Pod, string | undefined>();

/** namespace + controller identity, or undefined for pods without a controller. */
export function ownerKey(pod: Pod): string | undefined {
  if (ownerKeys.has(pod)) return ownerKeys.get(pod);
  const key = computeOwnerKey(pod);
  ownerKeys.set(pod, key);
  return key;
}

function computeOwnerKey(pod: Pod): string | undefined {
  const ref = pod.metadata?.ownerReferences?.find((r) => r.controller === true);
  if (ref === undefined) return undefined;
  const id = ref.uid !== undefined && ref.uid !== "" ? ref.uid : `${ref.kind ?? ""}/${ref.name ?? ""}`;
  return `${pod.metadata?.namespace ?? ""}\u0000${id}`;
}

// NodeInfos are immutable (replaced on change): each one's peer counts by owner are built once.
const peerCounts = new WeakMap<NodeInfo, Map<string, number>>();

/** Peers on the node; pods being deleted do not count, as they are about to leave. */
function countPeers(owner: string, node: NodeInfo): number {
  let counts = peerCounts.get(node);
  if (counts === undefined) {
    counts = new Map();
    for (const p of node.pods) {
      if (p.metadata?.deletionTimestamp !== undefined) continue;
      const key = ownerKey(p);
      if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    peerCounts.set(node, counts);
  }
  return counts.get(owner) ?? 0;
}

interface PreScoreState {
  readonly pod: Pod;
  readonly owner: string | undefined;
}

function ownerFor(state: CycleState, pod: Pod): string | undefined {
  const s = state.get(STATE_KEY) as PreScoreState | undefined;
  return s?.pod === pod ? s.owner : ownerKey(pod);
}

export function create(opts: { weight?: number } = {}) {
  return {
    name: NAME,
    weight: opts.weight ?? DEFAULT_WEIGHT,
    preScore(state: CycleState, pod: Pod) {
      state.set(STATE_KEY, { pod, owner: ownerKey(pod) } satisfies PreScoreState);
    },
    /** The raw count of the pod's peers on the node (lower is better; see normalize). */
    score(state: CycleState, pod: Pod, node: NodeInfo) {
      const owner = ownerFor(state, pod);
      return owner === undefined ? 0 : countPeers(owner, node);
    },
    normalize(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], scores: Float64Array) {
      // A pod without a controller is not spread: every node keeps 0.
      if (ownerFor(state, pod) === undefined) return;
      let maxByNode = 0;
      const byZone = new Map<string, number>();
      for (let i = 0; i < scores.length; i++) {
        const count = scores[i] ?? 0;
        maxByNode = Math.max(maxByNode, count);
        const zone = zoneOf(nodes[i]);
        if (zone !== "") byZone.set(zone, (byZone.get(zone) ?? 0) + count);
      }
      let maxByZone = 0;
      for (const c of byZone.values()) maxByZone = Math.max(maxByZone, c);
      for (let i = 0; i < scores.length; i++) {
        const count = scores[i] ?? 0;
        // Same operation order as Kubernetes, so float truncation agrees.
        let f = maxByNode > 0 ? MAX_NODE_SCORE * ((maxByNode - count) / maxByNode) : MAX_NODE_SCORE;
        const zone = byZone.size === 0 ? "" : zoneOf(nodes[i]);
        if (zone !== "") {
          const zoneCount = byZone.get(zone) ?? 0;
          const zoneScore =
            maxByZone > 0 ? MAX_NODE_SCORE * ((maxByZone - zoneCount) / maxByZone) : MAX_NODE_SCORE;
          f = f * (1 - ZONE_WEIGHTING) + ZONE_WEIGHTING * zoneScore;
        }
        scores[i] = Math.trunc(f);
      }
    },
  } satisfies ScorePlugin;
}

function zoneOf(node: NodeInfo | undefined): string {
  return node?.zone ?? "";
}
