/**
 * The host's safety net for pod networking. Pods live in 100.64.0.0/16
 * (each node a /24 on its own bridge) and services in 100.96.0.0/16; none of
 * that traffic may ever be routed toward the machine's real interfaces.
 *
 * - `unreachable` routes cover both whole ranges, so an address in them that
 *   no node bridge serves is answered "unreachable" instead of following the
 *   default route out (a node's /24 via its bridge is more specific and wins).
 * - IPv4 forwarding (needed between pods of different nodes on one machine;
 *   the CNI bridge plugin also switches it on by itself) is only turned on
 *   together with the nftables table `inet ktl-guard`, whose forward chain
 *   drops pod traffic to anything but pods and services, anything from a pod
 *   bridge to a non-pod interface, and anything from elsewhere to a pod
 *   bridge or the pod range. Pod bridges are the interfaces named ktl*.
 * - br_netfilter is loaded on this machine (bridge-nf-call-iptables = 1), so
 *   traffic between pods on one bridge passes the forward hook too, with the
 *   bridge as both interfaces: the rules allow it.
 * - Across machines (host-gw pod routes, see route-syncer.ts) `nodeInterface`
 *   names the interface towards the other machines: pod bridges and it may
 *   forward to each other, but only packets from the pod range to the pod
 *   range. No NAT either way, so pods see each other's real addresses.
 *
 * Call ensureHostSafety before the first pod sandbox of any node, and
 * removeHostSafety when the last node is gone (tests, `cluster down`).
 */
import { BRIDGE_PREFIX } from "./cni-config.js";
import { parseCidr } from "./cidr.js";
import { runCommand, runWith, type Runner } from "./run.js";

export const GUARD_TABLE = "ktl-guard";
export const DEFAULT_POD_CIDR = "100.64.0.0/16";
export const DEFAULT_SERVICE_CIDR = "100.96.0.0/16";

const IP_FORWARD = "/proc/sys/net/ipv4/ip_forward";
// The table's comment remembers ip_forward from before the first ensure.
const COMMENT = /ktl: ip_forward was (\d)/;

export interface HostSafetyOptions {
  /** The whole pod range (default 100.64.0.0/16). */
  readonly podCidr?: string;
  /** The whole service range (default 100.96.0.0/16). */
  readonly serviceCidr?: string;
  /**
   * The interface towards the cluster's other machines (e.g. "eth0"), for
   * host-gw pod routes: pod-range-to-pod-range traffic may be forwarded
   * between it and the pod bridges. Unset: pod traffic never leaves the machine.
   */
  readonly nodeInterface?: string;
  /** Runs ip/nft/cat/tee; default the host's (netnsRunner: inside a namespace). */
  readonly runner?: Runner;
}

function ranges(options: HostSafetyOptions): [string, string] {
  return [
    parseCidr(options.podCidr ?? DEFAULT_POD_CIDR).text,
    parseCidr(options.serviceCidr ?? DEFAULT_SERVICE_CIDR).text,
  ];
}

/** An interface name nft can quote and Linux accepts; never a pod bridge. */
function checkedInterface(name: string): string {
  if (!/^[\w.-]{1,15}$/.test(name) || name.startsWith(BRIDGE_PREFIX)) {
    throw new Error(
      `node interface "${name}" must be a Linux interface name not starting with ${BRIDGE_PREFIX}`,
    );
  }
  return name;
}

/**
 * Accepts (ends this chain only: no drop below applies) pod-to-pod packets
 * between the pod bridges and the node interface, in both directions.
 */
function nodeInterfaceRules(pods: string, bridges: string, nodeInterface: string | undefined): string {
  if (nodeInterface === undefined) return "";
  const node = `"${checkedInterface(nodeInterface)}"`;
  const podToPod = `ip saddr ${pods} ip daddr ${pods}`;
  return `    iifname ${bridges} oifname ${node} ${podToPod} counter accept comment "pods to pods on other machines"
    iifname ${node} oifname ${bridges} ${podToPod} counter accept comment "pods on other machines to pods"
`;
}

/** The guard table as an nft script (atomic: replaces any older version). */
export function guardRuleset(options: HostSafetyOptions & { ipForwardWas: string }): string {
  const [pods, services] = ranges(options);
  const bridges = `"${BRIDGE_PREFIX}*"`;
  return `table inet ${GUARD_TABLE}
delete table inet ${GUARD_TABLE}
table inet ${GUARD_TABLE} {
  comment "ktl: ip_forward was ${options.ipForwardWas}"
  chain forward {
    type filter hook forward priority filter - 10; policy accept;
    ip saddr ${pods} ip daddr != { ${pods}, ${services} } counter drop comment "pods reach only pods and services"
    iifname ${bridges} ip daddr != { ${pods}, ${services} } counter drop comment "nothing from a pod bridge leaves the pod range"
${nodeInterfaceRules(pods, bridges, options.nodeInterface)}    iifname ${bridges} oifname != ${bridges} counter drop comment "pod bridges forward only to pod bridges"
    iifname != ${bridges} oifname ${bridges} counter drop comment "only pod bridges forward to pod bridges"
    iifname != ${bridges} ip daddr ${pods} counter drop comment "the pod range is reached from pod bridges only"
    meta nfproto ipv6 iifname ${bridges} counter drop comment "pods have no IPv6"
  }
}
`;
}

async function guardComment(runner: Runner): Promise<string | undefined> {
  try {
    const text = await runWith(runner, "nft", ["list", "table", "inet", GUARD_TABLE]);
    return COMMENT.exec(text)?.[1];
  } catch {
    return undefined; // no such table
  }
}

// Through the runner (not fs), so that a namespace's own sysctl is the one read and written.
async function readIpForward(runner: Runner): Promise<string> {
  return (await runWith(runner, "cat", [IP_FORWARD])).trim();
}

async function writeIpForward(runner: Runner, value: string): Promise<void> {
  await runWith(runner, "tee", [IP_FORWARD], value);
}

async function ensureUnreachable(runner: Runner, cidr: string): Promise<void> {
  // Never replace a real route someone else owns (100.64/10 is CGNAT space).
  const existing = (
    await runWith(runner, "ip", ["-4", "route", "show", "exact", cidr, "table", "main"])
  ).trim();
  if (existing && !existing.startsWith("unreachable ")) {
    throw new Error(`refusing to replace the route "${existing}" with an unreachable route`);
  }
  await runWith(runner, "ip", ["-4", "route", "replace", "unreachable", cidr]);
}

/**
 * Installs the unreachable routes and the guard table, then enables IPv4
 * forwarding. Idempotent; a second call with other ranges (or another
 * nodeInterface) replaces them.
 */
export async function ensureHostSafety(options: HostSafetyOptions = {}): Promise<void> {
  const runner = options.runner ?? runCommand;
  const [pods, services] = ranges(options);
  await ensureUnreachable(runner, pods);
  await ensureUnreachable(runner, services);
  const ipForwardWas = (await guardComment(runner)) ?? (await readIpForward(runner));
  const ruleset = guardRuleset({
    podCidr: pods,
    serviceCidr: services,
    nodeInterface: options.nodeInterface,
    ipForwardWas,
  });
  await runWith(runner, "nft", ["-f", "-"], ruleset);
  await writeIpForward(runner, "1");
}

/**
 * Undoes ensureHostSafety: restores ip_forward to what it was before (first
 * of all, so that forwarding never runs unguarded), deletes the guard table
 * and the unreachable routes. Safe to call when nothing is installed.
 */
export async function removeHostSafety(options: HostSafetyOptions = {}): Promise<void> {
  const runner = options.runner ?? runCommand;
  const [pods, services] = ranges(options);
  const ipForwardWas = await guardComment(runner);
  if (ipForwardWas === "0") await writeIpForward(runner, "0");
  if (ipForwardWas !== undefined) await runWith(runner, "nft", ["delete", "table", "inet", GUARD_TABLE]);
  for (const cidr of [pods, services]) {
    const existing = (
      await runWith(runner, "ip", ["-4", "route", "show", "exact", cidr, "table", "main"])
    ).trim();
    if (existing.startsWith("unreachable ")) {
      await runWith(runner, "ip", ["-4", "route", "del", "unreachable", cidr]);
    }
  }
}

/** Whether the guard table is installed (a caller can refuse to start pods without it). */
export async function hostSafetyInstalled(options: Pick<HostSafetyOptions, "runner"> = {}): Promise<boolean> {
  return (await guardComment(options.runner ?? runCommand)) !== undefined;
}
