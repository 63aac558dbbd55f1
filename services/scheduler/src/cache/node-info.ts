/**
 * NodeInfo construction and the resource arithmetic behind it, after
 * Kubernetes' framework/types.go and computePodResourceRequest. NodeInfos are
 * immutable: a change builds a new one with a new generation, so a snapshot
 * can hold references and tell changed entries apart by generation alone.
 */
import { parseQuantity, type Node, type Pod, type Taint } from "@ktl/api";
import type { NodeInfo, Resources } from "../framework/interface.js";

/** Kubernetes' non-zero defaults for containers without requests (used by scores). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export function emptyResources(): Resources {
  return { milliCpu: 0, memory: 0, pods: 0, scalar: {} };
}

// The same few quantity strings recur on every node and pod; NodeInfos are rebuilt
// on each assume, so parsing them through BigInt each time is wasted work.
const parsedQuantities = new Map<string, number>();
const PARSE_CACHE_LIMIT = 10_000;

/** A quantity string in canonical units: cpu in millicores, everything else as a plain number (rounded up). */
export function quantityValue(resource: string, text: string): number {
  const key = (resource === "cpu" ? "m:" : "u:") + text;
  const hit = parsedQuantities.get(key);
  if (hit !== undefined) return hit;
  const parsed = parseQuantity(text);
  let value = 0;
  if (parsed.ok) {
    const nano = parsed.nano;
    value =
      resource === "cpu"
        ? Number((nano + 999_999n) / 1_000_000n)
        : Number((nano + 999_999_999n) / 1_000_000_000n);
  }
  if (parsedQuantities.size >= PARSE_CACHE_LIMIT) parsedQuantities.clear();
  parsedQuantities.set(key, value);
  return value;
}

/** Resources from a `requests`/`allocatable` map. */
export function toResources(list: Readonly<Record<string, string>> | undefined): Resources {
  const out = emptyResources();
  for (const [name, text] of Object.entries(list ?? {})) addOne(out, name, quantityValue(name, text));
  return out;
}

function addOne(r: Resources, name: string, value: number): void {
  if (name === "cpu") r.milliCpu += value;
  else if (name === "memory") r.memory += value;
  else if (name === "pods") r.pods += value;
  else r.scalar[name] = (r.scalar[name] ?? 0) + value;
}

export function addResources(a: Resources, b: Readonly<Resources>): void {
  a.milliCpu += b.milliCpu;
  a.memory += b.memory;
  a.pods += b.pods;
  for (const [k, v] of Object.entries(b.scalar)) a.scalar[k] = (a.scalar[k] ?? 0) + v;
}

function maxResources(a: Resources, b: Readonly<Resources>): void {
  a.milliCpu = Math.max(a.milliCpu, b.milliCpu);
  a.memory = Math.max(a.memory, b.memory);
  a.pods = Math.max(a.pods, b.pods);
  for (const [k, v] of Object.entries(b.scalar)) a.scalar[k] = Math.max(a.scalar[k] ?? 0, v);
}

export interface PodRequests {
  /** What the pod asks for: sum(containers) then max with each init container, plus overhead; pods = 1. */
  readonly requested: Resources;
  /** The same with 100m/200Mi for containers that leave cpu/memory unset. */
  readonly nonZero: Resources;
}

type ContainerLike = { resources?: { requests?: Record<string, string> } };

function nonZeroOf(container: ContainerLike): Resources {
  const r = toResources(container.resources?.requests);
  const requests = container.resources?.requests ?? {};
  if (requests.cpu === undefined) r.milliCpu = DEFAULT_MILLI_CPU_REQUEST;
  if (requests.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  return r;
}

const requestsCache = new WeakMap<object, PodRequests>();

/** Kubernetes' computePodResourceRequest; memoised per (immutable) pod object. */
export function podRequests(pod: Pod): PodRequests {
  const cached = requestsCache.get(pod);
  if (cached) return cached;
  const spec = pod.spec ?? { containers: [] };
  const requested = emptyResources();
  const nonZero = emptyResources();
  for (const c of (spec.containers ?? []) as ContainerLike[]) {
    addResources(requested, toResources(c.resources?.requests));
    addResources(nonZero, nonZeroOf(c));
  }
  for (const c of (spec.initContainers ?? []) as ContainerLike[]) {
    maxResources(requested, toResources(c.resources?.requests));
    maxResources(nonZero, nonZeroOf(c));
  }
  const overhead = (spec as { overhead?: Record<string, string> }).overhead;
  if (overhead) {
    addResources(requested, toResources(overhead));
    addResources(nonZero, toResources(overhead));
  }
  requested.pods = 1;
  nonZero.pods = 1;
  const result = { requested, nonZero };
  requestsCache.set(pod, result);
  return result;
}

const NO_PORTS: readonly string[] = Object.freeze([]);

/** "protocol/hostIP/port" for each host port the pod uses. */
export function podHostPorts(pod: Pod): readonly string[] {
  if (!(pod.spec?.containers ?? []).some((c) => c.ports?.some((p) => p.hostPort))) return NO_PORTS;
  const out: string[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push(`${p.protocol || "TCP"}/${p.hostIP || "0.0.0.0"}/${p.hostPort}`);
    }
  }
  return out;
}

/**
 * Whether two states of a pod weigh the same on a node: requests, host
 * ports, controller, and neither being deleted. An assumed pod confirmed
 * by the informer usually does, so its node's NodeInfo need not change.
 */
export function sameFootprint(a: Pod, b: Pod): boolean {
  if (a.metadata?.deletionTimestamp !== undefined || b.metadata?.deletionTimestamp !== undefined)
    return false;
  if (controllerKey(a) !== controllerKey(b)) return false;
  const ra = podRequests(a);
  const rb = podRequests(b);
  return (
    sameResources(ra.requested, rb.requested) &&
    sameResources(ra.nonZero, rb.nonZero) &&
    podHostPorts(a).join() === podHostPorts(b).join()
  );
}

function sameResources(a: Readonly<Resources>, b: Readonly<Resources>): boolean {
  if (a.milliCpu !== b.milliCpu || a.memory !== b.memory || a.pods !== b.pods) return false;
  const keys = Object.keys(a.scalar);
  return keys.length === Object.keys(b.scalar).length && keys.every((k) => a.scalar[k] === b.scalar[k]);
}

/** Builds a NodeInfo from a node and the pods on it (bound or assumed). */
export function buildNodeInfo(node: Node, pods: readonly Pod[], generation: number): NodeInfo {
  const requested = emptyResources();
  const nonZeroRequested = emptyResources();
  const usedPorts = new Set<string>();
  for (const pod of pods) {
    const r = podRequests(pod);
    addResources(requested, r.requested);
    addResources(nonZeroRequested, r.nonZero);
    for (const port of podHostPorts(pod)) usedPorts.add(port);
  }
  return {
    node,
    name: node.metadata?.name ?? "",
    ...nodeFacts(node),
    peerCounts: controllerCounts(pods),
    pods,
    requested,
    nonZeroRequested,
    allocatable: toResources(node.status?.allocatable),
    usedPorts,
    generation,
  };
}

/**
 * `info` with one more pod: what buildNodeInfo would give for its pods plus
 * `pod`, without walking the node's other pods again (an assume adds one pod
 * to a node on every scheduling cycle).
 */
export function withPod(info: NodeInfo, pod: Pod, generation: number): NodeInfo {
  const r = podRequests(pod);
  const requested = copyResources(info.requested);
  addResources(requested, r.requested);
  const nonZeroRequested = copyResources(info.nonZeroRequested);
  addResources(nonZeroRequested, r.nonZero);
  const ports = podHostPorts(pod);
  const usedPorts = ports.length === 0 ? info.usedPorts : new Set([...info.usedPorts, ...ports]);
  const owner = controllerKey(pod);
  let peerCounts = info.peerCounts;
  if (owner !== undefined && pod.metadata?.deletionTimestamp === undefined) {
    const counts = new Map(peerCounts);
    counts.set(owner, (counts.get(owner) ?? 0) + 1);
    peerCounts = counts;
  }
  return {
    ...info,
    pods: [...info.pods, pod],
    requested,
    nonZeroRequested,
    usedPorts,
    peerCounts,
    generation,
  };
}

function copyResources(r: Readonly<Resources>): Resources {
  return { milliCpu: r.milliCpu, memory: r.memory, pods: r.pods, scalar: { ...r.scalar } };
}

const NO_TAINTS: readonly Taint[] = Object.freeze([]);

/** The Node fields filters and scores read on every cycle, copied into the NodeInfo. */
export function nodeFacts(node: Node): Pick<NodeInfo, "unschedulable" | "taints" | "zone"> {
  return {
    unschedulable: node.spec?.unschedulable === true,
    taints: node.spec?.taints ?? NO_TAINTS,
    zone: zoneKeyOf(node),
  };
}

/** Kubernetes' utilnode.GetZoneKey: region and zone labels, "" when the node has neither. */
export function zoneKeyOf(node: Node): string {
  const labels = node.metadata?.labels ?? {};
  const region =
    labels["topology.kubernetes.io/region"] ?? labels["failure-domain.beta.kubernetes.io/region"] ?? "";
  const zone =
    labels["topology.kubernetes.io/zone"] ?? labels["failure-domain.beta.kubernetes.io/zone"] ?? "";
  return region === "" && zone === "" ? "" : `${region}:\u0000:${zone}`;
}

// Pods are immutable (informer objects, cache copies): their controller keys are
// memoised per object, as NodeInfos are rebuilt on every assume.
const controllerKeys = new WeakMap<Pod, string | undefined>();

/** namespace + controller identity (uid, else kind/name), or undefined for pods without a controller. */
export function controllerKey(pod: Pod): string | undefined {
  if (controllerKeys.has(pod)) return controllerKeys.get(pod);
  const ref = pod.metadata?.ownerReferences?.find((r) => r.controller === true);
  let key: string | undefined;
  if (ref !== undefined) {
    const id = ref.uid !== undefined && ref.uid !== "" ? ref.uid : `${ref.kind ?? ""}/${ref.name ?? ""}`;
    key = `${pod.metadata?.namespace ?? ""}\u0000${id}`;
  }
  controllerKeys.set(pod, key);
  return key;
}

/** How many pods of each controller `pods` holds; pods being deleted do not count, as they are about to leave. */
export function controllerCounts(pods: readonly Pod[]): ReadonlyMap<string, number> {
  const counts = new Map<string, number>();
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp !== undefined) continue;
    const key = controllerKey(p);
    if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
