/**
 * The node's CNI network: one Linux bridge per node (the gateway, .1 of the
 * node's pod CIDR), host-local IPAM over that CIDR, and portmap for hostPorts.
 * No masquerade anywhere: pod traffic never leaves the machine (see
 * host-safety.ts), so pods reach pods, services and their own node only.
 * containerd adds the loopback interface itself.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseCidr } from "./cidr.js";

/** Every ktl pod bridge's name starts with this; the guard table matches on it. */
export const BRIDGE_PREFIX = "ktl";

/** The CNI spec version written; the Debian plugins (1.1.1) and containerd 1.6 speak it. */
export const CNI_VERSION = "1.0.0";

/**
 * The node's bridge name: "ktl" + 8 hex digits of sha256(nodeName) — 11
 * characters (Linux allows 15), distinct for nodes sharing a machine.
 */
export function bridgeNameFor(nodeName: string): string {
  return BRIDGE_PREFIX + createHash("sha256").update(nodeName).digest("hex").slice(0, 8);
}

export interface CniConfigOptions {
  /** containerd's CNI conf_dir for this node. */
  readonly confDir: string;
  readonly nodeName: string;
  /** The node's pod CIDR, e.g. "100.64.3.0/24". */
  readonly podCidr: string;
  /** Default bridgeNameFor(nodeName); must start with "ktl" and be ≤ 15 characters. */
  readonly bridgeName?: string;
  /**
   * host-local's allocation directory. Default: "ipam" beside confDir, so
   * that it goes away with the node (the plugin's own default,
   * /var/lib/cni/networks, is shared by every node on the machine).
   */
  readonly ipamDataDir?: string;
}

export interface CniConfig {
  /** The .conflist written. */
  readonly path: string;
  readonly bridgeName: string;
  /** The bridge's (gateway) address, e.g. "100.64.3.1". */
  readonly gateway: string;
  readonly conflist: object;
}

export function renderCniConfig(options: CniConfigOptions): Omit<CniConfig, "path"> {
  const cidr = parseCidr(options.podCidr);
  if (cidr.prefix > 30) throw new Error(`pod CIDR ${options.podCidr} is too small`);
  const bridgeName = options.bridgeName ?? bridgeNameFor(options.nodeName);
  if (!bridgeName.startsWith(BRIDGE_PREFIX) || bridgeName.length > 15 || !/^[\w.-]+$/.test(bridgeName)) {
    throw new Error(
      `bridge name ${bridgeName} must start with "${BRIDGE_PREFIX}" and have at most 15 characters`,
    );
  }
  const octets = cidr.text.split("/")[0]?.split(".") ?? [];
  const gateway = [...octets.slice(0, 3), String(Number(octets[3] ?? 0) + 1)].join(".");
  const conflist = {
    cniVersion: CNI_VERSION,
    name: `ktl-${options.nodeName}`.replace(/[^\w.-]/g, "-"),
    plugins: [
      {
        type: "bridge",
        bridge: bridgeName,
        isGateway: true,
        // Masquerading would send pod traffic out of the machine.
        ipMasq: false,
        // Lets a pod reach itself through a service VIP.
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: cidr.text, gateway }]],
          routes: [{ dst: "0.0.0.0/0" }],
          dataDir: options.ipamDataDir ?? join(dirname(options.confDir), "ipam"),
        },
      },
      {
        // hostPorts: DNAT from the node's addresses to the pod. Without SNAT,
        // so connecting to 127.0.0.1:<hostPort> does not work (the reply
        // cannot come back to loopback); the node's other addresses do, e.g.
        // the bridge's gateway address.
        type: "portmap",
        capabilities: { portMappings: true },
        snat: false,
      },
    ],
  };
  return { bridgeName, gateway, conflist };
}

/**
 * Writes <confDir>/10-ktl.conflist, replacing any other CNI config there
 * (containerd uses the first file in name order).
 */
export async function writeCniConfig(options: CniConfigOptions): Promise<CniConfig> {
  const rendered = renderCniConfig(options);
  await mkdir(options.confDir, { recursive: true });
  for (const name of await readdir(options.confDir)) {
    if (/\.(conf|conflist|json)$/.test(name)) await rm(join(options.confDir, name));
  }
  const path = join(options.confDir, "10-ktl.conflist");
  // containerd watches the directory: it must never see a half-written file.
  await writeFile(`${path}.tmp`, JSON.stringify(rendered.conflist, null, 2) + "\n");
  await rename(`${path}.tmp`, path);
  return { path, ...rendered };
}
