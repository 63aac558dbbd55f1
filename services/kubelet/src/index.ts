/**
 * The node agent: registers its Node, runs the pods bound to it through CRI
 * (containerd) or the in-memory fake runtime (hollow nodes), reports their
 * status, probes them and serves their logs.
 *
 * @example
 * import { readLogs } from "@ktl/kubelet";
 * await readLogs("/var/log/pods/ns_web_uid/web/0.log", process.stdout, { tailLines: 10 });
 */
export * from "./logs/cri-log.js";
export * from "./logs/read-logs.js";
export * from "./logs/log-server.js";
