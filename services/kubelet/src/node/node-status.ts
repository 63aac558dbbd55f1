import type { Node, NodeCondition, NodeStatus, NodeSystemInfo, Taint } from "@ktl/api";
import { semanticEqual } from "@ktl/apimachinery";

/** What a kubelet says about its Node, apart from the conditions' times. */
export interface NodeDescription {
  readonly name: string;
  /** The InternalIP, where the apiserver reaches the kubelet. */
  readonly nodeIp: string;
  /** The Hostname address (the node name for hollow nodes). */
  readonly hostname: string;
  /** The kubelet's HTTP port (status.daemonEndpoints.kubeletEndpoint.Port). */
  readonly port: number;
  /** Default labels and --node-labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** --register-with-taints: applied when the Node is created, never on take-over. */
  readonly taints: readonly Taint[];
  readonly capacity: Readonly<Record<string, string>>;
  readonly allocatable: Readonly<Record<string, string>>;
  readonly nodeInfo: NodeSystemInfo;
}

/** Whether the node can run pods, and why not. */
export interface Readiness {
  readonly ready: boolean;
  readonly reason: string;
  readonly message: string;
}

export const READY: Readiness = {
  ready: true,
  reason: "KubeletReady",
  message: "kubelet is posting ready status",
};

/** The pressure conditions the kubelet reports False while it has no eviction manager. */
const PRESSURE: readonly (readonly [string, string, string])[] = [
  ["MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"],
  ["DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"],
  ["PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"],
];

/** The labels every kubelet sets (Kubernetes' well-known node labels) plus the extra ones. */
export function nodeLabels(options: {
  name: string;
  arch: string;
  extra?: Readonly<Record<string, string>>;
}): Record<string, string> {
  return {
    "kubernetes.io/hostname": options.name,
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": options.arch,
    "beta.kubernetes.io/os": "linux",
    "beta.kubernetes.io/arch": options.arch,
    ...options.extra,
  };
}

/** API time: RFC 3339 in whole seconds, as metav1.Time serializes. */
export function apiTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

/**
 * MemoryPressure, DiskPressure, PIDPressure and Ready (Kubernetes' order),
 * with `now` as heartbeat. A condition keeps its lastTransitionTime while
 * its status stays what `previous` had.
 */
export function nodeConditions(
  readiness: Readiness,
  previous: readonly NodeCondition[] | undefined,
  now: string,
): NodeCondition[] {
  const make = (type: string, status: boolean, reason: string, message: string): NodeCondition => {
    const value = status ? "True" : "False";
    const before = previous?.find((c) => c.type === type);
    return {
      type,
      status: value,
      lastHeartbeatTime: now,
      lastTransitionTime:
        before?.status === value && before.lastTransitionTime ? before.lastTransitionTime : now,
      reason,
      message,
    };
  };
  return [
    ...PRESSURE.map(([type, reason, message]) => make(type, false, reason, message)),
    make("Ready", readiness.ready, readiness.reason, readiness.message),
  ];
}

/** The whole status the kubelet owns. */
export function nodeStatus(options: {
  description: NodeDescription;
  readiness: Readiness;
  previous: readonly NodeCondition[] | undefined;
  now: string;
}): NodeStatus {
  const d = options.description;
  return {
    capacity: { ...d.capacity },
    allocatable: { ...d.allocatable },
    conditions: nodeConditions(options.readiness, options.previous, options.now),
    addresses: [
      { type: "InternalIP", address: d.nodeIp },
      { type: "Hostname", address: d.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: d.port } },
    nodeInfo: { ...d.nodeInfo },
  };
}

/** A new Node object for registration. */
export function newNode(description: NodeDescription, status: NodeStatus): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: description.name, labels: { ...description.labels } },
    spec: description.taints.length > 0 ? { taints: description.taints.map((t) => ({ ...t })) } : {},
    status,
  };
}

/** Equal but for heartbeat times: nothing worth a write before the report interval. */
export function sameStatus(a: NodeStatus | undefined, b: NodeStatus | undefined): boolean {
  return semanticEqual(withoutHeartbeats(a), withoutHeartbeats(b));
}

function withoutHeartbeats(status: NodeStatus | undefined): NodeStatus | undefined {
  if (!status) return status;
  return { ...status, conditions: status.conditions?.map((c) => ({ ...c, lastHeartbeatTime: undefined })) };
}

/**
 * A merge patch from `written` to `next`: the status fields that differ,
 * conditions always (they carry the heartbeat). Keeps heartbeat writes small.
 */
export function statusPatch(written: NodeStatus | undefined, next: NodeStatus): { status: NodeStatus } {
  const patch: NodeStatus = { conditions: next.conditions };
  for (const key of Object.keys(next) as (keyof NodeStatus)[]) {
    if (key !== "conditions" && !semanticEqual(written?.[key], next[key])) {
      Object.assign(patch, { [key]: next[key] });
    }
  }
  return { status: patch };
}
