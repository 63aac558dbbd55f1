/**
 * The nftables ruleset of one kube-proxy: a single `ip` table, replaced as a
 * whole in one `nft -f` transaction on every sync.
 *
 * Layout (table `ip ktl-proxy-<node>`):
 * - map `service-ips`: ClusterIP . protocol . port → goto the Service port's chain;
 *   map `service-nodeports`: protocol . port → the same chains, for the node IP.
 * - chains `prerouting` (nat, dstnat: pod traffic) and `output` (nat, -100:
 *   the host's own traffic) both jump to `services`, which looks up the maps.
 * - chain `svc-<ns>/<name>/<proto>/<port>`: DNAT to one ready endpoint picked by
 *   `numgen random mod N` (an even spread). With ClientIP affinity, one
 *   `ep-…__<ip>/<port>` chain per endpoint records the client in a dynamic set
 *   `aff-<timeout>-…` (its timeout is the affinity's), and the Service chain
 *   first sends clients found in a set back to the same endpoint.
 * - chain `postrouting` (nat, srcnat): masquerade only (a) hairpin traffic, a
 *   DNATed packet whose source and destination are the same pod (set
 *   `hairpin`, pairs of pod IPs), so the reply comes back through the node;
 *   (b) the host's own connections to a NodePort on its loopback node IP
 *   (source 127.0.0.0/8) that were DNATed to a pod behind a ktl bridge: a pod
 *   cannot answer 127.0.0.1. Both rewrite the source to the bridge's address
 *   inside the pod range, and both require a destination in the pod range.
 * - chain `input` (filter): refuses new connections to a ClusterIP that no
 *   DNAT took (a port without endpoints, or no such port), and anything for
 *   127.0.0.0/8 arriving from outside `lo` that is neither a reply nor DNATed
 *   by us to a host-network endpoint (route_localnet is on for ktl bridges;
 *   see sysctl.ts).
 *
 * `flush table` empties chains but not sets or maps, so an update flushes the
 * maps and the static sets explicitly, deletes chains and affinity sets the
 * previous render made that are gone now, and redefines the rest. Affinity
 * sets that stay keep their clients.
 */
import { proxyTableName } from "@ktl/node-network";
import type { Endpoint, ProxyState, ServicePortState } from "../model.js";
import { clusterIPsOf } from "../model.js";
import { cidrContains, parseCidr } from "@ktl/node-network";

export interface RenderOptions {
  /** The table's name (see tableNameFor). */
  readonly table: string;
  readonly nodeName: string;
  /** NodePorts are DNATed for this destination address. */
  readonly nodeIp: string;
  /** The pod range: the only destinations masquerade ever applies to. */
  readonly clusterCidr: string;
  /** Interface name prefix of the pod bridges (host → NodePort masquerade). */
  readonly bridgePrefix: string;
}

/** Names of the chains and affinity sets a render defines, for the next render's clean-up. */
export interface RenderedNames {
  readonly chains: ReadonlySet<string>;
  readonly sets: ReadonlySet<string>;
}

export interface Rendered extends RenderedNames {
  readonly text: string;
  /** Rules in the table's chains (map elements not counted). */
  readonly rules: number;
}

/** `ip ktl-proxy-<node>`, with the node name reduced to what an nft identifier allows. */
/** This node's proxy's table (one definition, in @ktl/node-network). */
export const tableNameFor = proxyTableName;

const svcChain = (p: ServicePortState): string => `svc-${p.key}`;
const epSuffix = (p: ServicePortState, e: Endpoint): string => `${p.key}__${e.ip}/${e.port}`;
const epChain = (p: ServicePortState, e: Endpoint): string => `ep-${epSuffix(p, e)}`;
const affSet = (p: ServicePortState, e: Endpoint): string =>
  `aff-${p.affinitySeconds ?? 0}-${epSuffix(p, e)}`;
const proto = (p: ServicePortState): string => p.protocol.toLowerCase();

function dnatTo(p: ServicePortState, e: Endpoint): string {
  return `meta l4proto ${proto(p)} dnat ip to ${e.ip}:${e.port}`;
}

function elements(items: readonly string[]): string[] {
  return items.length === 0 ? [] : [`    elements = { ${items.join(",\n      ")} }`];
}

/** The chains of one Service port with endpoints. */
function serviceChains(
  p: ServicePortState,
  out: string[],
  names: { chains: Set<string>; sets: Set<string> },
) {
  const name = svcChain(p);
  names.chains.add(name);
  const n = p.endpoints.length;
  if (p.affinitySeconds === undefined) {
    const first = p.endpoints[0];
    const rule =
      n === 1 && first
        ? dnatTo(p, first)
        : `meta l4proto ${proto(p)} dnat ip to numgen random mod ${n} map { ${p.endpoints
            .map((e, i) => `${i} : ${e.ip} . ${e.port}`)
            .join(", ")} }`;
    out.push(`  chain ${name} {`, `    ${rule}`, "  }");
    return 1;
  }
  let rules = 0;
  out.push(`  chain ${name} {`);
  for (const e of p.endpoints) {
    out.push(`    ip saddr @${affSet(p, e)} goto ${epChain(p, e)}`);
    rules++;
  }
  out.push(
    `    numgen random mod ${n} vmap { ${p.endpoints.map((e, i) => `${i} : goto ${epChain(p, e)}`).join(", ")} }`,
    "  }",
  );
  rules++;
  for (const e of p.endpoints) {
    const set = affSet(p, e);
    names.sets.add(set);
    names.chains.add(epChain(p, e));
    out.push(
      `  set ${set} {`,
      "    type ipv4_addr",
      "    flags dynamic,timeout",
      `    timeout ${p.affinitySeconds}s`,
      "  }",
      `  chain ${epChain(p, e)} {`,
      `    update @${set} { ip saddr }`,
      `    ${dnatTo(p, e)}`,
      "  }",
    );
    rules += 2;
  }
  return rules;
}

/**
 * The nft script for `state`. Without `previous` it recreates the table from
 * scratch (first sync, or after a failed one); with it, it updates in place.
 */
export function renderRuleset(state: ProxyState, options: RenderOptions, previous?: RenderedNames): Rendered {
  const t = `ip ${options.table}`;
  const pods = parseCidr(options.clusterCidr);
  const names = { chains: new Set<string>(), sets: new Set<string>() };
  const served = state.ports.filter((p) => p.endpoints.length > 0);

  const clusterIPs = clusterIPsOf(state);
  const hairpin = [
    ...new Set(served.flatMap((p) => p.endpoints.map((e) => e.ip)).filter((ip) => cidrContains(pods, ip))),
  ].sort();
  const ipElements = served.map((p) => `${p.clusterIP} . ${proto(p)} . ${p.port} : goto ${svcChain(p)}`);
  const nodePortElements = served
    .filter((p) => p.nodePort !== undefined)
    .map((p) => `${proto(p)} . ${p.nodePort} : goto ${svcChain(p)}`);

  const body: string[] = [];
  let rules = 0;
  for (const p of served) rules += serviceChains(p, body, names);

  const head: string[] = [`table ${t}`];
  if (previous) {
    head.push(
      `flush table ${t}`,
      `flush map ${t} service-ips`,
      `flush map ${t} service-nodeports`,
      `flush set ${t} cluster-ips`,
      `flush set ${t} hairpin`,
    );
    for (const chain of [...previous.chains].filter((c) => !names.chains.has(c)).sort()) {
      head.push(`delete chain ${t} ${chain}`);
    }
    for (const set of [...previous.sets].filter((s) => !names.sets.has(s)).sort()) {
      head.push(`delete set ${t} ${set}`);
    }
  } else {
    head.push(`delete table ${t}`);
  }

  const bridges = `"${options.bridgePrefix}*"`;
  const text = [
    ...head,
    `table ${t} {`,
    `  comment "ktl kube-proxy of node ${options.nodeName.replace(/"/g, "")}"`,
    "  set cluster-ips {",
    "    type ipv4_addr",
    ...elements(clusterIPs),
    "  }",
    "  set hairpin {",
    "    type ipv4_addr . ipv4_addr",
    ...elements(hairpin.map((ip) => `${ip} . ${ip}`)),
    "  }",
    "  map service-ips {",
    "    type ipv4_addr . inet_proto . inet_service : verdict",
    ...elements(ipElements),
    "  }",
    "  map service-nodeports {",
    "    type inet_proto . inet_service : verdict",
    ...elements(nodePortElements),
    "  }",
    "  chain prerouting {",
    "    type nat hook prerouting priority dstnat; policy accept;",
    "    jump services",
    "  }",
    "  chain output {",
    // nft 1.0.6 knows "dstnat" for prerouting only; -100 is the same priority.
    "    type nat hook output priority -100; policy accept;",
    "    jump services",
    "  }",
    "  chain services {",
    "    ip daddr . meta l4proto . th dport vmap @service-ips",
    `    ip daddr ${options.nodeIp} meta l4proto . th dport vmap @service-nodeports`,
    "  }",
    "  chain postrouting {",
    "    type nat hook postrouting priority srcnat; policy accept;",
    '    ct status dnat ip saddr . ip daddr @hairpin masquerade comment "a pod reaching itself through a Service"',
    `    ct status dnat ip saddr 127.0.0.0/8 ip daddr ${pods.text} oifname ${bridges} masquerade comment "the host reaching a pod through its loopback NodePort"`,
    "  }",
    "  chain input {",
    "    type filter hook input priority filter; policy accept;",
    '    ct state new ip daddr @cluster-ips reject comment "a ClusterIP port with no endpoints"',
    '    iifname != "lo" ip daddr 127.0.0.0/8 ct state != { established, related } ct status ! dnat drop comment "route_localnet lets in replies and DNAT to host endpoints only"',
    "  }",
    ...body,
    "}",
    "",
  ].join("\n");
  // prerouting, output: 1 each; services: 2; postrouting: 2; input: 2.
  return { text, chains: names.chains, sets: names.sets, rules: rules + 8 };
}
