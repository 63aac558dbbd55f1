/**
 * The CNI portmap plugin (hostPorts) programs iptables (here: iptables-nft)
 * and leaves its scaffolding behind when the last pod with a hostPort goes:
 * `table ip nat` with an empty CNI-HOSTPORT-DNAT chain and the jumps to it,
 * and an empty `table ip6 nat`. removePortmapLeftovers deletes those tables,
 * but only when they hold nothing else, so nobody else's NAT rules are lost.
 */
import { run } from "./run.js";

interface NftItem {
  chain?: { family: string; table: string; name: string };
  rule?: { family: string; table: string; chain: string; expr?: unknown[] };
}

const PORTMAP_CHAIN = /^CNI-HOSTPORT-/;

async function listTable(family: string): Promise<NftItem[] | undefined> {
  try {
    const text = await run("nft", ["-j", "list", "table", family, "nat"]);
    return (JSON.parse(text) as { nftables: NftItem[] }).nftables;
  } catch {
    return undefined; // no such table
  }
}

/** Whether the table holds only empty portmap chains and jumps to them. */
function onlyPortmapScaffolding(items: NftItem[]): boolean {
  for (const { chain, rule } of items) {
    if (
      chain &&
      !PORTMAP_CHAIN.test(chain.name) &&
      !/^(PREROUTING|OUTPUT|POSTROUTING|INPUT)$/.test(chain.name)
    ) {
      return false;
    }
    if (rule) {
      if (PORTMAP_CHAIN.test(rule.chain)) return false; // a pod still has a hostPort
      if (!/"jump":\{"target":"CNI-HOSTPORT-[A-Z]+"\}/.test(JSON.stringify(rule.expr ?? []))) return false;
    }
  }
  return true;
}

/** Deletes portmap's leftover nat tables if nothing but its empty scaffolding is in them. */
export async function removePortmapLeftovers(): Promise<void> {
  const ip = await listTable("ip");
  if (ip && onlyPortmapScaffolding(ip)) await run("nft", ["delete", "table", "ip", "nat"]);
  const ip6 = await listTable("ip6");
  if (ip6 && onlyPortmapScaffolding(ip6)) await run("nft", ["delete", "table", "ip6", "nat"]);
}
