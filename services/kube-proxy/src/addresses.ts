/**
 * ClusterIPs as /32 addresses on `lo`, so that traffic to them is local:
 * local addresses win over the `unreachable` route that covers the service
 * range (host-safety), the userspace proxy binds its listeners on them, and in
 * nftables mode the host's own connections get a route (and the ClusterIP as
 * source) before the output DNAT sends them to a pod.
 *
 * Several nodes' proxies may share one network namespace. An address belongs
 * to whoever added it, recorded in its label (`lo:kp<8 hex of the node
 * name>`): each proxy adds the wanted addresses that are missing and removes
 * only its own. When the owner goes away with its addresses, the others add
 * them back on their next reconcile (every second). Addresses use scope host,
 * so the kernel never picks one as the source of other traffic.
 */
import { proxyAddressLabel } from "@ktl/node-network";
import { runCommand, type Runner } from "./exec.js";

const DEVICE = "lo";

/** The label marking a node's addresses (at most 15 characters, starting with the device name). */
/** The label on `lo` that marks this node's proxy's addresses (one definition, in @ktl/node-network). */
export const addressLabel = proxyAddressLabel;

interface AddrInfo {
  family?: string;
  local?: string;
  prefixlen?: number;
  label?: string;
}

export interface LoAddress {
  readonly ip: string;
  readonly label: string;
}

/** The IPv4 /32 addresses on lo. */
export async function listLoopbackAddresses(runner: Runner = runCommand): Promise<LoAddress[]> {
  const result = await runner("ip", ["-j", "-4", "addr", "show", "dev", DEVICE]);
  if (result.code !== 0) throw new Error(`ip addr show: ${result.stderr.trim()}`);
  const links = JSON.parse(result.stdout || "[]") as { addr_info?: AddrInfo[] }[];
  return links.flatMap((link) =>
    (link.addr_info ?? [])
      .filter((a) => a.family === "inet" && a.prefixlen === 32 && a.local)
      .map((a) => ({ ip: a.local ?? "", label: a.label ?? DEVICE })),
  );
}

/** Runs `ip -force -batch -` and returns the 1-based numbers of the lines that failed. */
async function batch(runner: Runner, lines: readonly string[]): Promise<Set<number>> {
  if (lines.length === 0) return new Set();
  const result = await runner("ip", ["-force", "-batch", "-"], lines.join("\n") + "\n");
  const failed = new Set<number>();
  for (const m of result.stderr.matchAll(/Command failed -:(\d+)/g)) failed.add(Number(m[1]));
  if (result.code !== 0 && failed.size === 0) throw new Error(`ip -batch: ${result.stderr.trim()}`);
  return failed;
}

export class LoopbackAddresses {
  private desired = new Set<string>();
  private ownedCount = 0;
  readonly label: string;

  constructor(
    nodeName: string,
    private readonly runner: Runner = runCommand,
  ) {
    this.label = addressLabel(nodeName);
  }

  /** The addresses wanted from now on (applied by the next reconcile). */
  setDesired(ips: Iterable<string>): void {
    this.desired = new Set(ips);
  }

  /** How many addresses this proxy owned after the last reconcile. */
  get owned(): number {
    return this.ownedCount;
  }

  /**
   * Adds the wanted addresses nobody has (they become ours) and removes ours
   * that are no longer wanted. Returns what changed.
   */
  async reconcile(): Promise<{ added: string[]; removed: string[] }> {
    const present = await listLoopbackAddresses(this.runner);
    const have = new Set(present.map((a) => a.ip));
    const mine = present.filter((a) => a.label === this.label).map((a) => a.ip);
    const toAdd = [...this.desired].filter((ip) => !have.has(ip));
    const toRemove = mine.filter((ip) => !this.desired.has(ip));
    // Another proxy may add the same address between the listing and ours:
    // "exists" then means it is theirs.
    const failedAdds = await batch(
      this.runner,
      toAdd.map((ip) => `address add ${ip}/32 dev ${DEVICE} scope host label ${this.label}`),
    );
    const added = toAdd.filter((_, i) => !failedAdds.has(i + 1));
    await batch(
      this.runner,
      toRemove.map((ip) => `address del ${ip}/32 dev ${DEVICE} label ${this.label}`),
    );
    this.ownedCount = mine.length - toRemove.length + added.length;
    return { added, removed: toRemove };
  }

  /** Removes every address this proxy owns (on shutdown); others take over what they still need. */
  async removeAll(): Promise<void> {
    this.desired = new Set();
    await this.reconcile();
  }
}
