/**
 * host-gw pod routes, the pure part: which routes a machine should have to
 * reach the pod CIDRs of nodes on other machines (flannel's host-gw backend:
 * `<podCIDR> via <node's InternalIP>`), and what to change to get there.
 * route-syncer.ts applies the result.
 */
import { cidrContains, parseCidr, parseIpv4, type Cidr } from "./cidr.js";
import { DEFAULT_POD_CIDR } from "./host-safety.js";

/**
 * The routing protocol number marking routes the syncer owns (0x6b, "k" for
 * ktl; not in iproute2's rt_protos). The syncer only ever replaces or removes
 * routes with it, so routes an admin or another tool added are left alone.
 */
export const POD_ROUTE_PROTO = 107;

/** What the computation reads of a Node (structurally @ktl/api's Node). */
export interface RoutableNode {
  readonly metadata?: { readonly name?: string };
  readonly spec?: { readonly podCIDR?: string };
  readonly status?: { readonly addresses?: readonly { readonly type?: string; readonly address?: string }[] };
}

/** One host-gw route: the remote node's pod CIDR via its InternalIP. */
export interface PodRoute {
  readonly cidr: string;
  readonly via: string;
  readonly node: string;
}

export interface DesiredRoutesOptions {
  /** This node: its own pod CIDR is on its bridge, never routed. */
  readonly nodeName: string;
  /** Every address of this machine (or namespace): nodes with one of them are local. */
  readonly localAddresses: Iterable<string>;
  /** The cluster's pod range; pod CIDRs outside it are never routed. Default 100.64.0.0/16. */
  readonly podRange?: string;
}

export interface DesiredRoutes {
  readonly routes: PodRoute[];
  /** Remote nodes that get no route, and why (bad or conflicting data). */
  readonly problems: string[];
}

export function internalIpOf(node: RoutableNode): string | undefined {
  return node.status?.addresses?.find((a) => a.type === "InternalIP" && a.address)?.address;
}

function overlaps(a: Cidr, b: Cidr): boolean {
  const aEnd = a.base + 2 ** (32 - a.prefix);
  const bEnd = b.base + 2 ** (32 - b.prefix);
  return a.base < bEnd && b.base < aEnd;
}

function tryCidr(text: string): Cidr | undefined {
  try {
    return parseCidr(text);
  } catch {
    return undefined;
  }
}

function tryIpv4(text: string): number | undefined {
  try {
    return parseIpv4(text);
  } catch {
    return undefined;
  }
}

/** Loopback (127/8) means "this machine" (the local cluster's 127.0.1.<i> nodes). */
function isLoopback(ip: number): boolean {
  return Math.floor(ip / 2 ** 24) === 127;
}

/** A next hop that could be another machine: not 0/8, not multicast or broadcast. */
function isUnicast(ip: number): boolean {
  const first = Math.floor(ip / 2 ** 24);
  return first !== 0 && first < 224;
}

/**
 * The routes this machine needs: one per node on another machine that has a
 * pod CIDR inside the pod range and a usable InternalIP. The own node and
 * nodes whose InternalIP is loopback or an address of this machine are local
 * (their bridges are here) and get none; so does a pod CIDR overlapping a
 * local node's or an earlier node's (by name), reported as a problem.
 */
export function desiredPodRoutes(
  nodes: Iterable<RoutableNode>,
  options: DesiredRoutesOptions,
): DesiredRoutes {
  const range = parseCidr(options.podRange ?? DEFAULT_POD_CIDR);
  const local = new Set(options.localAddresses);
  const sorted = [...nodes].sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
  const isLocal = (node: RoutableNode, ip: number | undefined): boolean =>
    node.metadata?.name === options.nodeName ||
    (ip !== undefined && (isLoopback(ip) || local.has(internalIpOf(node) ?? "")));

  const claimed: { cidr: Cidr; node: string }[] = [];
  for (const node of sorted) {
    const ip = tryIpv4(internalIpOf(node) ?? "");
    const cidr = tryCidr(node.spec?.podCIDR ?? "");
    if (cidr && isLocal(node, ip)) claimed.push({ cidr, node: node.metadata?.name ?? "" });
  }

  const routes: PodRoute[] = [];
  const problems: string[] = [];
  for (const node of sorted) {
    const name = node.metadata?.name ?? "";
    const podCidr = node.spec?.podCIDR;
    const address = internalIpOf(node);
    const ip = tryIpv4(address ?? "");
    if (!podCidr || isLocal(node, ip)) continue; // no pods yet, or its bridge is here
    const cidr = tryCidr(podCidr);
    if (!cidr || cidr.prefix <= range.prefix || !cidrContains(range, cidr.text.split("/")[0] ?? "")) {
      problems.push(`node ${name}: podCIDR ${podCidr} is not a subnet of the pod range ${range.text}`);
      continue;
    }
    if (address === undefined || ip === undefined || !isUnicast(ip) || cidrContains(range, address)) {
      problems.push(`node ${name}: no usable InternalIP (${address ?? "none"})`);
      continue;
    }
    const clash = claimed.find((c) => overlaps(c.cidr, cidr));
    if (clash) {
      problems.push(`node ${name}: podCIDR ${cidr.text} overlaps node ${clash.node}'s ${clash.cidr.text}`);
      continue;
    }
    claimed.push({ cidr, node: name });
    routes.push({ cidr: cidr.text, via: address, node: name });
  }
  return { routes, problems };
}

/** A route as `ip -j route show` lists it. */
export interface ListedRoute {
  readonly dst: string;
  readonly gateway?: string;
  readonly dev?: string;
}

export interface RouteChanges {
  /** To install with `ip route replace ... proto 107`. */
  readonly replace: PodRoute[];
  /** Owned routes (destinations) no node wants any more. */
  readonly remove: string[];
  /** Wanted, but another owner's route has that destination: left alone. */
  readonly conflicts: PodRoute[];
}

/** `ip` prints a /32 destination without its length. */
export function routeDst(dst: string): string {
  return dst.includes("/") ? dst : `${dst}/32`;
}

/**
 * What to change so that the owned routes become the desired ones. `dev`,
 * when given, is the interface routes must use (the node interface).
 */
export function diffPodRoutes(
  desired: readonly PodRoute[],
  owned: readonly ListedRoute[],
  foreign: readonly ListedRoute[],
  dev?: string,
): RouteChanges {
  const ownedByDst = new Map(owned.map((r) => [routeDst(r.dst), r]));
  const foreignDsts = new Set(foreign.map((r) => routeDst(r.dst)));
  const wanted = new Set(desired.map((r) => r.cidr));
  const replace: PodRoute[] = [];
  const conflicts: PodRoute[] = [];
  for (const route of desired) {
    const current = ownedByDst.get(route.cidr);
    if (current) {
      if (current.gateway !== route.via || (dev !== undefined && current.dev !== dev)) replace.push(route);
    } else if (foreignDsts.has(route.cidr)) {
      conflicts.push(route);
    } else {
      replace.push(route);
    }
  }
  const remove = [...ownedByDst.keys()].filter((dst) => !wanted.has(dst));
  return { replace, remove, conflicts };
}
