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
export * from "./pods/probe-results.js";
export { startPodManager } from "./pods/pod-manager.js";
export type { PodManager, PodManagerClient, PodManagerOptions, RunningPod } from "./pods/pod-manager.js";
export * from "./runtime/fake/fake-runtime.js";
export * from "./runtime/fake/fake-images.js";
export type { FakeBehaviour } from "./runtime/fake/behaviour.js";
export { ProbeManager, type ProbeManagerOptions } from "./probes/manager.js";
export { ProbeMetrics } from "./probes/metrics.js";
export { TimerQueue, SYSTEM_CLOCK, type Clock, type TimerHandle } from "./probes/timer-queue.js";
export { FakeClock } from "./probes/fake-clock.js";
export { KUBELET_VERSION, describeNode } from "./node/describe.js";
export { NodeStatusReporter, type NodeStatusReporterOptions } from "./node/status-reporter.js";
export { NodeStatusMetrics } from "./node/metrics.js";
export { loadConfig, type KubeletConfig } from "./config.js";
export { startKubelet, type Kubelet, type KubeletNode, type KubeletShared } from "./kubelet.js";
export { startHollowNodes } from "./hollow.js";
