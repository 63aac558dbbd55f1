/**
 * Builders for plugin tests (and for anyone needing a NodeInfo without the
 * cache): nodes, pods and a NodeInfo summing its pods' requests and host ports.
 */
import type { Node, Pod, Taint, Toleration } from "@ktl/api";
import type { NodeInfo, Resources } from "../framework/interface.js";
import { hostPortKey } from "./node-ports/index.js";
import { emptyResources, nonZeroPodRequests, parseResourceList, podRequests } from "./resources.js";
import { controllerCounts, nodeFacts } from "../cache/node-info.js";

export interface NodeOptions {
  labels?: Record<string, string>;
  /** Allocatable, e.g. { cpu: "4", memory: "8Gi", pods: "110" }; defaults to that. */
  allocatable?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
}

export function makeNode(name: string, opts: NodeOptions = {}): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: opts.labels ?? {} },
    spec: { taints: opts.taints ?? [], unschedulable: opts.unschedulable ?? false },
    status: { allocatable: opts.allocatable ?? { cpu: "4", memory: "8Gi", pods: "110" } },
  };
}

export interface PodOptions {
  namespace?: string;
  labels?: Record<string, string>;
  /** One container per entry, with these requests. */
  requests?: Record<string, string>[];
  /** Host ports of the first container. */
  hostPorts?: { hostPort: number; protocol?: string; hostIP?: string }[];
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: NonNullable<Pod["spec"]>["affinity"];
  tolerations?: Toleration[];
  /** Controller owner, as "Kind/name" (uid is derived from it). */
  owner?: string;
  deleting?: boolean;
}

export function makePod(name: string, opts: PodOptions = {}): Pod {
  const requests = opts.requests ?? [{}];
  const containers = requests.map((r, i) => ({
    name: `c${i}`,
    image: "busybox",
    resources: { requests: r },
    ...(i === 0 && opts.hostPorts !== undefined
      ? { ports: opts.hostPorts.map((p) => ({ containerPort: p.hostPort, ...p })) }
      : {}),
  }));
  const [kind = "", ownerName = ""] = (opts.owner ?? "/").split("/");
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: opts.namespace ?? "default",
      uid: `uid-${name}`,
      labels: opts.labels ?? {},
      ...(opts.owner !== undefined
        ? {
            ownerReferences: [
              { apiVersion: "apps/v1", kind, name: ownerName, uid: `uid-${opts.owner}`, controller: true },
            ],
          }
        : {}),
      ...(opts.deleting === true ? { deletionTimestamp: "2024-01-01T00:00:00Z" } : {}),
    },
    spec: {
      containers,
      ...(opts.nodeName !== undefined ? { nodeName: opts.nodeName } : {}),
      ...(opts.nodeSelector !== undefined ? { nodeSelector: opts.nodeSelector } : {}),
      ...(opts.affinity !== undefined ? { affinity: opts.affinity } : {}),
      ...(opts.tolerations !== undefined ? { tolerations: opts.tolerations } : {}),
    },
  };
}

function add(into: Resources, r: Resources): void {
  into.milliCpu += r.milliCpu;
  into.memory += r.memory;
  into.pods += r.pods;
  for (const [k, v] of Object.entries(r.scalar)) into.scalar[k] = (into.scalar[k] ?? 0) + v;
}

/** A NodeInfo as the cache would build it for `node` holding `pods`. */
export function makeNodeInfo(node: Node, pods: readonly Pod[] = []): NodeInfo {
  const requested = emptyResources();
  const nonZeroRequested = emptyResources();
  const usedPorts = new Set<string>();
  for (const pod of pods) {
    add(requested, podRequests(pod));
    add(nonZeroRequested, nonZeroPodRequests(pod));
    for (const c of pod.spec?.containers ?? []) {
      for (const p of c.ports ?? []) {
        if ((p.hostPort ?? 0) > 0)
          usedPorts.add(
            hostPortKey({ protocol: p.protocol ?? "", hostIP: p.hostIP ?? "", port: p.hostPort ?? 0 }),
          );
      }
    }
  }
  return {
    node,
    name: node.metadata?.name ?? "",
    ...nodeFacts(node),
    peerCounts: controllerCounts(pods),
    pods,
    requested,
    nonZeroRequested,
    allocatable: parseResourceList(node.status?.allocatable),
    usedPorts,
    generation: 1,
  };
}
