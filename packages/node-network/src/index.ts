/**
 * Pod networking on a node: the CNI configuration containerd uses for the
 * node's pods (a per-node bridge, host-local IPAM over the node's /24,
 * portmap for hostPorts, no masquerade), the host's safety net that keeps
 * pod and service traffic away from the machine's real interfaces, and
 * host-gw routes to the pod CIDRs of nodes on other machines.
 *
 * @example
 * import { ensureHostSafety, writeCniConfig, deleteBridge, removeHostSafety } from "@ktl/node-network";
 * await ensureHostSafety({ podCidr: "100.64.0.0/16", serviceCidr: "100.96.0.0/16" });
 * const cni = await writeCniConfig({ confDir: "/tmp/node-1/cni/net.d", nodeName: "node-1", podCidr: "100.64.1.0/24" });
 * // ... containerd (cri conf_dir = confDir) runs the node's pods on cni.bridgeName ...
 * await deleteBridge(cni.bridgeName);
 * await removeHostSafety();
 *
 * // Across machines: let pod traffic through eth0, route the other machines' /24s.
 * await ensureHostSafety({ nodeInterface: "eth0" });
 * const routes = new PodRouteSyncer({ nodeName: "node-1", nodeInterface: "eth0" });
 * await routes.sync(nodes); // on every Node change; inside a netns: runner: netnsRunner("m1")
 */
export * from "./cni-config.js";
export * from "./host-safety.js";
export * from "./bridge.js";
export { parseCidr, cidrContains, type Cidr } from "./cidr.js";
export * from "./portmap.js";
export { run, runCommand, runWith, netnsRunner, type RunResult, type Runner } from "./run.js";
export * from "./pod-routes.js";
export * from "./route-syncer.js";
export * from "./proxy-leftovers.js";
