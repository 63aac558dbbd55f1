/**
 * What the proxy serves, computed from Services and Endpoints: one entry per
 * Service port with its ClusterIP, NodePort, affinity and ready endpoints.
 * Both proxy modes consume this level-based state; neither looks at the API
 * objects themselves.
 */
import type { Endpoints, Service } from "@ktl/api";
import { cidrContains, parseCidr, type Cidr } from "@ktl/node-network";

export type Protocol = "TCP" | "UDP";

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

export interface ServicePortState {
  /** "<namespace>/<name>/<tcp|udp>/<port>": unique, since a Service's (protocol, port) pairs are. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly portName: string;
  readonly protocol: Protocol;
  readonly clusterIP: string;
  readonly port: number;
  /** Set for NodePort and LoadBalancer Services. */
  readonly nodePort?: number;
  /** ClientIP affinity timeout in seconds; undefined for sessionAffinity None. */
  readonly affinitySeconds?: number;
  /** Ready endpoints (Endpoints `addresses`, never `notReadyAddresses`), sorted, no duplicates. */
  readonly endpoints: readonly Endpoint[];
}

export interface ProxyState {
  /** Sorted by key. */
  readonly ports: readonly ServicePortState[];
  /** Why some Services or endpoints are not served, one line each (for the log). */
  readonly skipped: readonly string[];
}

export interface ModelOptions {
  /** ClusterIPs outside this range are not served: adding them to `lo` could hijack real traffic. */
  readonly serviceCidr: string;
  /** Endpoints must be pods (this range) or on a loopback node address (127.0.0.0/8). */
  readonly clusterCidr: string;
}

const LOOPBACK: Cidr = parseCidr("127.0.0.0/8");
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function isIpv4(ip: string): boolean {
  return IPV4.test(ip) && ip.split(".").every((octet) => Number(octet) <= 255);
}

function validPort(port: number | undefined): port is number {
  return port !== undefined && Number.isInteger(port) && port > 0 && port < 65536;
}

/** Sorts by IP (numerically) then port, so renders and round-robin order are stable. */
export function compareEndpoints(a: Endpoint, b: Endpoint): number {
  const ao = a.ip.split(".").map(Number);
  const bo = b.ip.split(".").map(Number);
  for (let i = 0; i < 4; i++) {
    const d = (ao[i] ?? 0) - (bo[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.port - b.port;
}

/**
 * The proxy's state for `services` and their `endpoints` (matched by
 * namespace/name; endpoint ports matched to Service ports by name and
 * protocol, as the endpoints controller writes them).
 *
 * Endpoint IPs are restricted to the pod range and loopback so that no
 * Endpoints object can make this node send traffic toward the machine's
 * real network.
 */
export function buildState(
  services: readonly Service[],
  endpoints: readonly Endpoints[],
  options: ModelOptions,
): ProxyState {
  const serviceCidr = parseCidr(options.serviceCidr);
  const clusterCidr = parseCidr(options.clusterCidr);
  const byName = new Map<string, Endpoints>();
  for (const ep of endpoints) {
    byName.set(`${ep.metadata?.namespace ?? ""}/${ep.metadata?.name ?? ""}`, ep);
  }
  const ports: ServicePortState[] = [];
  const skipped: string[] = [];
  for (const svc of services) {
    const namespace = svc.metadata?.namespace ?? "";
    const name = svc.metadata?.name ?? "";
    const id = `${namespace}/${name}`;
    const spec = svc.spec ?? {};
    if (spec.type === "ExternalName") continue;
    const clusterIP = spec.clusterIP ?? spec.clusterIPs?.[0] ?? "";
    if (clusterIP === "" || clusterIP === "None") continue; // headless: DNS only
    if (!isIpv4(clusterIP) || !cidrContains(serviceCidr, clusterIP)) {
      skipped.push(`${id}: clusterIP ${clusterIP} is outside the service range ${serviceCidr.text}`);
      continue;
    }
    const affinitySeconds =
      spec.sessionAffinity === "ClientIP"
        ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800)
        : undefined;
    const nodePorts = spec.type === "NodePort" || spec.type === "LoadBalancer";
    const subsets = byName.get(id)?.subsets ?? [];
    for (const sp of spec.ports ?? []) {
      const protocol = (sp.protocol ?? "TCP").toUpperCase();
      if (protocol !== "TCP" && protocol !== "UDP") {
        skipped.push(`${id}: protocol ${protocol} is not supported`);
        continue;
      }
      if (!validPort(sp.port)) continue;
      const portName = sp.name ?? "";
      const found = new Map<string, Endpoint>();
      for (const subset of subsets) {
        const epPort = (subset.ports ?? []).find(
          (p) => (p.name ?? "") === portName && (p.protocol ?? "TCP").toUpperCase() === protocol,
        );
        if (!validPort(epPort?.port)) continue;
        for (const address of subset.addresses ?? []) {
          const ip = address.ip ?? "";
          if (!isIpv4(ip) || !(cidrContains(clusterCidr, ip) || cidrContains(LOOPBACK, ip))) {
            skipped.push(`${id}: endpoint ${ip} is neither in ${clusterCidr.text} nor loopback`);
            continue;
          }
          found.set(`${ip}:${epPort.port}`, { ip, port: epPort.port });
        }
      }
      ports.push({
        key: `${id}/${protocol.toLowerCase()}/${sp.port}`,
        namespace,
        name,
        portName,
        protocol,
        clusterIP,
        port: sp.port,
        ...(nodePorts && validPort(sp.nodePort) ? { nodePort: sp.nodePort } : {}),
        ...(affinitySeconds !== undefined ? { affinitySeconds } : {}),
        endpoints: [...found.values()].sort(compareEndpoints),
      });
    }
  }
  ports.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { ports, skipped };
}

/** The distinct ClusterIPs in `state`, sorted. */
export function clusterIPsOf(state: ProxyState): string[] {
  return [...new Set(state.ports.map((p) => p.clusterIP))].sort();
}
