/**
 * What a local cluster is made of: the settings `ktl cluster up` takes (node
 * count, pod range, node names, ports) and what follows from them — each
 * component's port, each node's name and loopback address, the range the
 * host safety net guards.
 */
import { DEFAULT_POD_CIDR, cidrContains, parseCidr } from "@ktl/node-network";
import { CliError } from "../cli/errors.js";

export const PROXY_MODES = ["userspace", "nftables"] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];

export interface ClusterSettings {
  readonly nodes: number;
  readonly proxyMode: ProxyMode;
  /** The pods' range, split into one /nodeCidrMaskSize per node by the controller-manager. */
  readonly clusterCidr: string;
  readonly nodeCidrMaskSize: number;
  /** Nodes are `${nodePrefix}-1` … `${nodePrefix}-N`. */
  readonly nodePrefix: string;
  /** Added to every default port, so that a second cluster can share the machine. */
  readonly portOffset: number;
}

export const DEFAULT_SETTINGS: ClusterSettings = {
  nodes: 1,
  proxyMode: "userspace",
  clusterCidr: DEFAULT_POD_CIDR,
  nodeCidrMaskSize: 24,
  nodePrefix: "ktl-node",
  portOffset: 0,
};

/** The ports with --port-offset 0; every one is bound on loopback only. */
export const DEFAULT_PORTS = {
  etcd: 2379,
  etcdPeer: 2380,
  nats: 4222,
  natsMonitor: 8222,
  registry: 5000,
  apiserver: 8080,
  apiserverGrpc: 8081,
  controllerManager: 10257,
  scheduler: 10259,
  /** Every kubelet uses this port, each on its own loopback address. */
  kubelet: 10250,
  /** Every kube-proxy's /healthz and /metrics, each on its node's loopback address. */
  kubeProxy: 10256,
} as const;

export type Ports = { readonly [K in keyof typeof DEFAULT_PORTS]: number };

export function portsFor(offset: number): Ports {
  const out: Record<string, number> = {};
  for (const [name, port] of Object.entries(DEFAULT_PORTS)) out[name] = port + offset;
  return out as Ports;
}

/** At most this many nodes: each gets 127.0.1.<i>. */
export const MAX_NODES = 254;

export interface NodeSpec {
  readonly name: string;
  /** 1-based. */
  readonly index: number;
  /** The kubelet's --node-ip: its own loopback address, so that all kubelets share one port. */
  readonly ip: string;
  /** The parent cgroup of the node's pods. */
  readonly cgroupRoot: string;
}

export function nodeSpecs(settings: ClusterSettings): NodeSpec[] {
  return Array.from({ length: settings.nodes }, (_, i) => {
    const name = `${settings.nodePrefix}-${i + 1}`;
    return { name, index: i + 1, ip: `127.0.1.${i + 1}`, cgroupRoot: `/ktl/${name}` };
  });
}

/**
 * The pod range the host safety net guards: the default 100.64.0.0/16 when
 * the cluster's range lies inside it (so that clusters sharing the machine
 * install the very same guard), else the cluster's own range.
 */
export function hostSafetyPodRange(clusterCidr: string): string {
  const cidr = parseCidr(clusterCidr);
  const outer = parseCidr(DEFAULT_POD_CIDR);
  const first = cidr.text.split("/")[0] ?? "";
  return cidr.prefix >= outer.prefix && cidrContains(outer, first) ? outer.text : cidr.text;
}

/** What `ktl cluster up` was told; absent fields keep the previous (or default) value. */
export type SettingsOverrides = { -readonly [K in keyof ClusterSettings]?: ClusterSettings[K] };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The settings for an `up`: explicit flags win over the settings of the
 * cluster that was there before (kept in the state file), which win over the
 * defaults. Throws CliError when they make no sense.
 */
export function resolveSettings(
  previous: ClusterSettings | undefined,
  overrides: SettingsOverrides,
): ClusterSettings {
  const base = { ...DEFAULT_SETTINGS, ...(previous ?? {}) };
  const s: ClusterSettings = { ...base, ...definedOnly(overrides) };
  if (!Number.isInteger(s.nodes) || s.nodes < 1 || s.nodes > MAX_NODES)
    throw new CliError(`--nodes must be between 1 and ${MAX_NODES}, not ${s.nodes}`);
  if (!(PROXY_MODES as readonly string[]).includes(s.proxyMode))
    throw new CliError(`--proxy-mode must be one of ${PROXY_MODES.join(", ")}, not "${s.proxyMode}"`);
  let prefix: number;
  try {
    prefix = parseCidr(s.clusterCidr).prefix;
  } catch (err) {
    throw new CliError(`--cluster-cidr: ${(err as Error).message}`);
  }
  if (prefix > s.nodeCidrMaskSize)
    throw new CliError(`--cluster-cidr ${s.clusterCidr} is smaller than one node's /${s.nodeCidrMaskSize}`);
  const capacity = 2 ** (s.nodeCidrMaskSize - prefix);
  if (s.nodes > capacity)
    throw new CliError(
      `--cluster-cidr ${s.clusterCidr} has room for ${capacity} nodes (/${s.nodeCidrMaskSize} each), not ${s.nodes}`,
    );
  // The longest node name must still be a DNS label (it names the Node, a bridge hash and a cgroup).
  if (!DNS_LABEL.test(`${s.nodePrefix}-${s.nodes}`) || `${s.nodePrefix}-${s.nodes}`.length > 63)
    throw new CliError(
      `--node-prefix "${s.nodePrefix}" must be lowercase letters, digits and "-" (node names are PREFIX-N)`,
    );
  const highest = Math.max(...Object.values(DEFAULT_PORTS)) + s.portOffset;
  const lowest = Math.min(...Object.values(DEFAULT_PORTS)) + s.portOffset;
  if (!Number.isInteger(s.portOffset) || lowest < 1024 || highest > 65535)
    throw new CliError(
      `--port-offset ${s.portOffset} puts ports outside 1024-65535 (they span ${lowest}-${highest})`,
    );
  return s;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The settings that differ, as "nodes 2 → 3", for refusing to change a running cluster. */
export function settingsDiff(a: ClusterSettings, b: ClusterSettings): string[] {
  return (Object.keys(a) as (keyof ClusterSettings)[])
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k} ${String(a[k])} → ${String(b[k])}`);
}
