/**
 * Pod networking on a node: the CNI configuration containerd uses for the
 * node's pods (a per-node bridge, host-local IPAM over the node's /24,
 * portmap for hostPorts, no masquerade), and the host's safety net that keeps
 * pod and service traffic away from the machine's real interfaces.
 *
 * @example
 * import { ensureHostSafety, writeCniConfig, deleteBridge, removeHostSafety } from "@ktl/node-network";
 * await ensureHostSafety({ podCidr: "100.64.0.0/16", serviceCidr: "100.96.0.0/16" });
 * const cni = await writeCniConfig({ confDir: "/tmp/node-1/cni/net.d", nodeName: "node-1", podCidr: "100.64.1.0/24" });
 * // ... containerd (cri conf_dir = confDir) runs the node's pods on cni.bridgeName ...
 * await deleteBridge(cni.bridgeName);
 * await removeHostSafety();
 */
export * from "./cni-config.js";
export * from "./host-safety.js";
export * from "./bridge.js";
export { parseCidr, cidrContains, type Cidr } from "./cidr.js";
export * from "./portmap.js";
export { run, runCommand, type RunResult } from "./run.js";
export * from "./proxy-leftovers.js";
