/**
 * SelectorSpread: spreads pods of the same controller (ReplicaSet,
 * StatefulSet, …) across nodes and zones. Kubernetes matched the selectors of
 * the services and controllers selecting the pod; here the pod's controller
 * owner reference identifies its peers, which is what that selector found for
 * a Deployment's replicas. Scores follow SelectorSpread's NormalizeScore: a
 * node with fewer peers scores higher, blended 2/3 with the zone's count when
 * nodes carry zone labels.
 */
import type { Node, Pod } from "@ktl/api";
import { MAX_NODE_SCORE } from "../../framework/interface.js";
import type { CycleState, NodeInfo, ScorePlugin } from "../../framework/interface.js";

export const NAME = "SelectorSpread";
/** The weight Kubernetes gives its replacement, PodTopologySpread's default constraints. */
export const DEFAULT_WEIGHT = 2;
const ZONE_WEIGHTING = 2 / 3;
const STATE_KEY = `${NAME}/preScore`;

// Pods and nodes are immutable (informer objects, cache copies): derived keys are memoised
// per object, as countPeers runs over every pod of every feasible node for each cycle.
const ownerKeys = new WeakMap<Pod, string | undefined>();
const zoneKeys = new WeakMap<Node, string>();

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

/** Kubernetes' utilnode.GetZoneKey: region and zone labels, "" when the node has neither. */
export function zoneKey(node: Node): string {
  let key = zoneKeys.get(node);
  if (key === undefined) {
    key = computeZoneKey(node);
    zoneKeys.set(node, key);
  }
  return key;
}

function computeZoneKey(node: Node): string {
  const labels = node.metadata?.labels ?? {};
  const region =
    labels["topology.kubernetes.io/region"] ?? labels["failure-domain.beta.kubernetes.io/region"] ?? "";
  const zone =
    labels["topology.kubernetes.io/zone"] ?? labels["failure-domain.beta.kubernetes.io/zone"] ?? "";
  return region === "" && zone === "" ? "" : `${region}:\u0000:${zone}`;
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
  readonly counts: Map<string, number>;
  readonly zones: Map<string, string>;
}

export function create(opts: { weight?: number } = {}) {
  return {
    name: NAME,
    weight: opts.weight ?? DEFAULT_WEIGHT,
    preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]) {
      const owner = ownerKey(pod);
      const counts = new Map<string, number>();
      const zones = new Map<string, string>();
      if (owner !== undefined) {
        for (const node of nodes) {
          counts.set(node.name, countPeers(owner, node));
          zones.set(node.name, zoneKey(node.node));
        }
      }
      state.set(STATE_KEY, { pod, owner, counts, zones } satisfies PreScoreState);
    },
    /** The raw count of the pod's peers on the node (lower is better; see normalize). */
    score(state: CycleState, pod: Pod, node: NodeInfo) {
      const s = state.get(STATE_KEY) as PreScoreState | undefined;
      if (s?.pod === pod)
        return s.counts.get(node.name) ?? (s.owner === undefined ? 0 : countPeers(s.owner, node));
      const owner = ownerKey(pod);
      return owner === undefined ? 0 : countPeers(owner, node);
    },
    normalize(state: CycleState, pod: Pod, scores: Map<string, number>) {
      const s = state.get(STATE_KEY) as PreScoreState | undefined;
      // A pod without a controller is not spread: every node keeps 0.
      if (s?.pod === pod && s.owner === undefined) return;
      if (s === undefined && ownerKey(pod) === undefined) return;
      const zoneOf = (name: string): string => (s?.pod === pod ? (s.zones.get(name) ?? "") : "");
      let maxByNode = 0;
      const byZone = new Map<string, number>();
      for (const [name, count] of scores) {
        maxByNode = Math.max(maxByNode, count);
        const zone = zoneOf(name);
        if (zone !== "") byZone.set(zone, (byZone.get(zone) ?? 0) + count);
      }
      let maxByZone = 0;
      for (const c of byZone.values()) maxByZone = Math.max(maxByZone, c);
      for (const [name, count] of scores) {
        // Same operation order as Kubernetes, so float truncation agrees.
        let f = maxByNode > 0 ? MAX_NODE_SCORE * ((maxByNode - count) / maxByNode) : MAX_NODE_SCORE;
        const zone = zoneOf(name);
        if (zone !== "") {
          const zoneCount = byZone.get(zone) ?? 0;
          const zoneScore =
            maxByZone > 0 ? MAX_NODE_SCORE * ((maxByZone - zoneCount) / maxByZone) : MAX_NODE_SCORE;
          f = f * (1 - ZONE_WEIGHTING) + ZONE_WEIGHTING * zoneScore;
        }
        scores.set(name, Math.trunc(f));
      }
    },
  } satisfies ScorePlugin;
}
