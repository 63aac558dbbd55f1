/**
 * The Endpoints subsets a Service's pods make, as Kubernetes' endpoints
 * controller computes them (pkg/controller/endpoint syncService, FindPort,
 * ShouldPodBeInEndpoints, RepackSubsets). Pure functions over cached objects.
 */
import type { EndpointAddress, EndpointPort, EndpointSubset, Pod, Service, ServicePort } from "@ktl/api";
import type { DeepReadonly } from "@ktl/informers";

type ReadonlyPod = DeepReadonly<Pod>;
type ReadonlyService = DeepReadonly<Service>;

/**
 * Whether a pod backs Services at all: it has an IP, is not finished, and is
 * not being deleted — unless the Service publishes not-ready addresses,
 * which keeps terminating pods too (Kubernetes' ShouldPodBeInEndpoints).
 */
export function shouldPodBeInEndpoints(pod: ReadonlyPod, includeTerminating: boolean): boolean {
  if (!podIPv4(pod)) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed";
}

export function isPodReady(pod: ReadonlyPod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** The pod's IPv4 address (the cluster is single-stack): from podIPs, else podIP. */
export function podIPv4(pod: ReadonlyPod): string | undefined {
  const ips = [...(pod.status?.podIPs ?? []).map((p) => p.ip ?? ""), pod.status?.podIP ?? ""];
  return ips.find((ip) => ip !== "" && !ip.includes(":"));
}

/**
 * The container port a service port reaches on this pod: a number as is, a
 * name looked up among the pod's container ports with the same protocol.
 * Undefined when the pod has no such port (it is left out for that port).
 */
export function findPort(pod: ReadonlyPod, port: DeepReadonly<ServicePort>): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  const protocol = port.protocol ?? "TCP";
  for (const container of pod.spec?.containers ?? []) {
    for (const cp of container.ports ?? []) {
      if (cp.name === target && (cp.protocol ?? "TCP") === protocol) return cp.containerPort;
    }
  }
  return undefined;
}

/** The Endpoints subsets of `service` given the pods its selector matches. */
export function endpointSubsets(service: ReadonlyService, pods: readonly ReadonlyPod[]): EndpointSubset[] {
  const spec = service.spec ?? {};
  const publishNotReady = spec.publishNotReadyAddresses ?? false;
  const ports = spec.ports ?? [];
  const headless = spec.clusterIP === "None";
  const entries: Entry[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const address = addressOf(service, pod);
    const ready = publishNotReady || isPodReady(pod);
    if (ports.length === 0) {
      // Only a headless Service may have no ports: its addresses come bare.
      if (headless) entries.push({ address, ready, port: undefined });
      continue;
    }
    for (const port of ports) {
      const number = findPort(pod, port);
      if (number === undefined) continue;
      const endpointPort: EndpointPort = { port: number, protocol: port.protocol ?? "TCP" };
      if (port.name) endpointPort.name = port.name;
      if (port.appProtocol) endpointPort.appProtocol = port.appProtocol;
      entries.push({ address, ready, port: endpointPort });
    }
  }
  return repack(entries);
}

interface Entry {
  address: EndpointAddress;
  ready: boolean;
  /** Undefined for a headless Service without ports. */
  port: EndpointPort | undefined;
}

function addressOf(service: ReadonlyService, pod: ReadonlyPod): EndpointAddress {
  const meta = pod.metadata ?? {};
  const address: EndpointAddress = {
    ip: podIPv4(pod) ?? "",
    targetRef: { kind: "Pod", namespace: meta.namespace ?? "", name: meta.name ?? "", uid: meta.uid ?? "" },
  };
  if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
  // A pod that names this Service as its subdomain is reachable by hostname (DNS).
  if (
    pod.spec?.hostname &&
    pod.spec.subdomain === service.metadata?.name &&
    meta.namespace === service.metadata?.namespace
  ) {
    address.hostname = pod.spec.hostname;
  }
  return address;
}

/**
 * Kubernetes' RepackSubsets: every port with the addresses that offer it,
 * then ports offered by the same addresses (with the same readiness) share
 * one subset. Addresses are sorted by IP (then pod uid), ports by name,
 * number and protocol, and subsets by their first address and port, so the
 * same pods always give the same object and unchanged state is recognised.
 */
function repack(entries: readonly Entry[]): EndpointSubset[] {
  const byPort = new Map<string, { port: EndpointPort | undefined; addresses: Map<string, Entry> }>();
  for (const entry of entries) {
    const portKey = entry.port
      ? JSON.stringify([entry.port.name, entry.port.port, entry.port.protocol, entry.port.appProtocol])
      : "";
    let group = byPort.get(portKey);
    if (!group) {
      group = { port: entry.port, addresses: new Map() };
      byPort.set(portKey, group);
    }
    group.addresses.set(addressKey(entry.address), entry);
  }
  const bySet = new Map<string, { entries: Entry[]; ports: EndpointPort[] }>();
  for (const { port, addresses } of byPort.values()) {
    const members = [...addresses.values()].sort((a, b) => compareAddresses(a.address, b.address));
    const setKey = JSON.stringify(members.map((e) => [addressKey(e.address), e.ready]));
    let subset = bySet.get(setKey);
    if (!subset) {
      subset = { entries: members, ports: [] };
      bySet.set(setKey, subset);
    }
    if (port) subset.ports.push(port);
  }
  const subsets = [...bySet.values()].map(({ entries: members, ports }) => {
    const subset: EndpointSubset = {};
    const ready = members.filter((e) => e.ready).map((e) => e.address);
    const notReady = members.filter((e) => !e.ready).map((e) => e.address);
    if (ready.length > 0) subset.addresses = ready;
    if (notReady.length > 0) subset.notReadyAddresses = notReady;
    if (ports.length > 0) subset.ports = ports.sort(comparePorts);
    return subset;
  });
  return subsets.sort(compareSubsets);
}

const addressKey = (a: EndpointAddress): string => `${a.ip ?? ""}/${a.targetRef?.uid ?? ""}`;

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  return compareIPs(a.ip ?? "", b.ip ?? "") || compareStrings(a.targetRef?.uid ?? "", b.targetRef?.uid ?? "");
}

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  return (
    compareStrings(a.name ?? "", b.name ?? "") ||
    (a.port ?? 0) - (b.port ?? 0) ||
    compareStrings(a.protocol ?? "", b.protocol ?? "")
  );
}

function compareSubsets(a: EndpointSubset, b: EndpointSubset): number {
  const first = (s: EndpointSubset): EndpointAddress | undefined =>
    s.addresses?.[0] ?? s.notReadyAddresses?.[0];
  const fa = first(a);
  const fb = first(b);
  const byAddress = fa && fb ? compareAddresses(fa, fb) : 0;
  if (byAddress !== 0) return byAddress;
  const pa = a.ports?.[0];
  const pb = b.ports?.[0];
  return pa && pb ? comparePorts(pa, pb) : (a.ports?.length ?? 0) - (b.ports?.length ?? 0);
}

/** Numerically for IPv4 (10.0.0.9 before 10.0.0.10), as strings otherwise. */
function compareIPs(a: string, b: string): number {
  const na = ipv4Number(a);
  const nb = ipv4Number(b);
  return na !== undefined && nb !== undefined ? na - nb : compareStrings(a, b);
}

function ipv4Number(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  return parts.reduce((n, part) => n * 256 + Number(part), 0);
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
