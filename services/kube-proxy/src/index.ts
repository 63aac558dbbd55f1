/**
 * kube-proxy: makes Services' ClusterIPs and NodePorts reach their ready
 * endpoints on one node, in Node.js (`userspace`) or in the kernel
 * (`nftables`). Exported for tests and benchmarks; run it as `ktl-kube-proxy`.
 *
 * @example
 * import { buildState, renderRuleset, tableNameFor } from "@ktl/kube-proxy";
 * const state = buildState(services, endpoints, { serviceCidr: "100.96.0.0/16", clusterCidr: "100.64.0.0/16" });
 * const { text } = renderRuleset(state, { table: tableNameFor("node-1"), nodeName: "node-1", nodeIp: "127.0.1.1", clusterCidr: "100.64.0.0/16", bridgePrefix: "ktl" });
 */
export * from "./model.js";
export * from "./metrics.js";
export * from "./addresses.js";
export * from "./nftables/render.js";
export * from "./nftables/proxier.js";
export * from "./userspace/balancer.js";
export * from "./userspace/session-table.js";
export * from "./userspace/proxier.js";
export type { Proxier } from "./proxier.js";
export { loadConfig, type ProxyConfig, type ProxyMode } from "./config.js";
