import type { Node, NodeCondition, Pod, PodCondition, Taint, Toleration } from "@ktl/api";
import type { DeepReadonly } from "@ktl/informers";

/** The taint Kubernetes puts on a node whose kubelet stopped reporting. */
export const UNREACHABLE_TAINT_KEY = "node.kubernetes.io/unreachable";
export const UNKNOWN_REASON = "NodeStatusUnknown";
export const UNKNOWN_MESSAGE = "Kubelet stopped posting node status.";
/** The pod Ready condition's reason when its node is unreachable. */
export const POD_NOT_READY_REASON = "NodeNotReady";

type RONode = DeepReadonly<Node>;
type ROPod = DeepReadonly<Pod>;

export function unreachableTaint(node: RONode): DeepReadonly<Taint> | undefined {
  return node.spec?.taints?.find((t) => t.key === UNREACHABLE_TAINT_KEY && t.effect === "NoExecute");
}

/** The node's taints with the unreachable one added (timeAdded: now), or undefined if it is there. */
export function withUnreachableTaint(node: RONode, nowIso: string): Taint[] | undefined {
  if (unreachableTaint(node)) return undefined;
  const taints = structuredClone((node.spec?.taints ?? []) as Taint[]);
  taints.push({ key: UNREACHABLE_TAINT_KEY, effect: "NoExecute", timeAdded: nowIso });
  return taints;
}

/** The node's taints without the unreachable one, or undefined if it is not there. */
export function withoutUnreachableTaint(node: RONode): Taint[] | undefined {
  if (!unreachableTaint(node)) return undefined;
  const kept = (node.spec?.taints ?? []).filter(
    (t) => !(t.key === UNREACHABLE_TAINT_KEY && t.effect === "NoExecute"),
  );
  return structuredClone(kept as Taint[]);
}

export function readyCondition(node: RONode): DeepReadonly<NodeCondition> | undefined {
  return node.status?.conditions?.find((c) => c.type === "Ready");
}

/**
 * Every condition set to Unknown, as Kubernetes' tryUpdateNodeHealth does
 * (lastHeartbeatTime kept: it is the kubelet's), or undefined when they all
 * already are. A node without a Ready condition gets one.
 */
export function unknownConditions(node: RONode, nowIso: string): NodeCondition[] | undefined {
  const conditions = structuredClone((node.status?.conditions ?? []) as NodeCondition[]);
  if (!conditions.some((c) => c.type === "Ready")) conditions.push({ type: "Ready" });
  let changed = false;
  for (const c of conditions) {
    // NetworkUnavailable belongs to the network (Kubernetes' route controller), not the kubelet.
    if (c.status === "Unknown" || c.type === "NetworkUnavailable") continue;
    changed = true;
    c.status = "Unknown";
    c.reason = UNKNOWN_REASON;
    c.message = UNKNOWN_MESSAGE;
    c.lastTransitionTime = nowIso;
  }
  return changed ? conditions : undefined;
}

/** Whether a toleration tolerates the unreachable NoExecute taint (Kubernetes' ToleratesTaint). */
export function toleratesUnreachable(t: DeepReadonly<Toleration>): boolean {
  if (t.effect && t.effect !== "NoExecute") return false;
  if (t.operator === "Exists") return !t.key || t.key === UNREACHABLE_TAINT_KEY;
  // Equal (the default): the taint has no value.
  return t.key === UNREACHABLE_TAINT_KEY && !t.value;
}

/**
 * How long (ms) a pod may stay on an unreachable node: the least
 * tolerationSeconds among its tolerations of the taint; Infinity when it
 * tolerates it without a limit. A pod that does not tolerate it at all gets
 * `defaultSeconds`: what the DefaultTolerationSeconds admission plugin (300 s)
 * would have added to it, which our apiserver does not.
 */
export function tolerationMs(pod: ROPod, defaultSeconds: number): number {
  const matching = (pod.spec?.tolerations ?? []).filter(toleratesUnreachable);
  if (matching.length === 0) return defaultSeconds * 1000;
  const limits = matching.flatMap((t) => (t.tolerationSeconds === undefined ? [] : [t.tolerationSeconds]));
  // Kubernetes' getMinTolerationTime: the least limit; none at all means forever.
  if (limits.length === 0) return Infinity;
  return Math.max(0, Math.min(...limits)) * 1000;
}

/** The pod's conditions with Ready=False (MarkPodsNotReady), or undefined if it already is. */
export function notReadyConditions(pod: ROPod, nowIso: string): PodCondition[] | undefined {
  const conditions = structuredClone((pod.status?.conditions ?? []) as PodCondition[]);
  const ready = conditions.find((c) => c.type === "Ready");
  if (ready?.status === "False") return undefined;
  if (!ready) return undefined; // a pod that never reported Ready has nothing to retract
  ready.status = "False";
  ready.reason = POD_NOT_READY_REASON;
  ready.message = "Node is not ready";
  ready.lastTransitionTime = nowIso;
  return conditions;
}
