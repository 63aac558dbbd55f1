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
import { controllerKey } from "../../cache/node-info.js";
import { HANDLE_KEY, MAX_NODE_SCORE } from "../../framework/interface.js";
import type { CycleState, Handle, NodeInfo, ScorePlugin } from "../../framework/interface.js";

export const NAME = "SelectorSpread";
/** The weight Kubernetes gives its replacement, PodTopologySpread's default constraints. */
export const DEFAULT_WEIGHT = 2;
const ZONE_WEIGHTING = 2 / 3;
const STATE_KEY = `${NAME}/preScore`;

/** namespace + controller identity, or undefined for pods without a controller. */
export const ownerKey = controllerKey;

/** The pod's peers on the node (counted when the NodeInfo was built). */
function countPeers(owner: string, node: NodeInfo): number {
  return node.peerCounts.get(owner) ?? 0;
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
    /**
     * With the cluster's per-controller index (the Handle), only the few
     * nodes holding the controller's pods are looked up, instead of a probe
     * into each candidate node's counts.
     */
    scoreAll(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], scores: Float64Array) {
      const owner = ownerFor(state, pod);
      const handle = state.get(HANDLE_KEY) as Handle | undefined;
      scores.fill(0);
      if (owner === undefined) return;
      const peers = handle?.peersOf(owner);
      if (handle !== undefined && (peers === undefined || peers.size === 0)) return;
      if (peers === undefined || peers.size * 4 > nodes.length) {
        for (let i = 0; i < nodes.length; i++) scores[i] = countPeers(owner, nodes[i] as NodeInfo);
        return;
      }
      const positions = positionsOf(nodes);
      for (const [name, count] of peers) {
        const i = positions.get(name);
        if (i !== undefined) scores[i] = count;
      }
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

// Node name → index, per candidate list: a batch of pods reuses one list
// (entries may be replaced by newer NodeInfos of the same nodes, never renamed).
const positionCache = new WeakMap<readonly NodeInfo[], Map<string, number>>();

function positionsOf(nodes: readonly NodeInfo[]): Map<string, number> {
  let positions = positionCache.get(nodes);
  if (!positions) {
    positions = new Map(nodes.map((n, i) => [n.name, i]));
    positionCache.set(nodes, positions);
  }
  return positions;
}
