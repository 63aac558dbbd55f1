import { createHash } from "node:crypto";
import { run, runCommand } from "./run.js";

/**
 * What a node's kube-proxy puts on the host, named here so that whoever
 * cleans up after a proxy that could not (SIGKILL) finds exactly its things:
 * its ClusterIP addresses on `lo` carry the label `lo:kp<hash of node>` and
 * its nftables table is `ip ktl-proxy-<node>`.
 */
export function proxyAddressLabel(nodeName: string): string {
  return `lo:kp${createHash("sha256").update(nodeName).digest("hex").slice(0, 8)}`;
}

export function proxyTableName(nodeName: string): string {
  const clean = nodeName.toLowerCase().replace(/[^a-z0-9.-]/g, "-");
  return `ktl-proxy-${clean.slice(0, 200)}`;
}

/** Removes a node's kube-proxy table and addresses; returns how many addresses went. Idempotent. */
export async function removeProxyLeftovers(nodeName: string): Promise<number> {
  await runCommand("nft", ["delete", "table", "ip", proxyTableName(nodeName)]);
  return removeLoAddresses((label) => label === proxyAddressLabel(nodeName));
}

/** Removes the `lo` addresses whose label matches; returns how many. */
export async function removeLoAddresses(matches: (label: string) => boolean): Promise<number> {
  const out = await run("ip", ["-j", "-4", "addr", "show", "dev", "lo"]);
  const links = JSON.parse(out || "[]") as {
    addr_info?: { local?: string; prefixlen?: number; label?: string }[];
  }[];
  let removed = 0;
  for (const a of links.flatMap((l) => l.addr_info ?? [])) {
    if (a.local && a.label && matches(a.label)) {
      await runCommand("ip", ["addr", "del", `${a.local}/${a.prefixlen ?? 32}`, "dev", "lo"]);
      removed++;
    }
  }
  return removed;
}
