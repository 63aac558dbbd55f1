/**
 * Scheduler plugins after Kubernetes' pkg/scheduler/framework/plugins: pure
 * filters and scores over a pod and a NodeInfo, returning a Status instead of
 * throwing.
 *
 * @example
 * const { filters, scores } = defaultPlugins();
 * const status = filters[0]?.filter(new Map(), pod, nodeInfo);
 * const message = failureMessage(nodes.length, statusesByNode);
 */
export {
  buildPlugins,
  DEFAULT_FILTERS,
  DEFAULT_SCORES,
  defaultPlugins,
  isFilterPlugin,
  isScorePlugin,
  registry,
} from "./registry.js";
export type { Plugin, PluginFactory } from "./registry.js";
export { failureMessage } from "./message.js";
export {
  addResourceList,
  cycleNonZeroRequests,
  cycleRequests,
  DEFAULT_MEMORY_REQUEST,
  DEFAULT_MILLI_CPU_REQUEST,
  emptyResources,
  nonZeroPodRequests,
  parseResourceList,
  podRequests,
} from "./resources.js";
export { hostPortKey, podHostPorts } from "./node-ports/index.js";
export type { HostPort } from "./node-ports/index.js";
export { toleratesTaint, tolerationsTolerateTaint } from "./taint-toleration/taints.js";
export { defaultNormalizeScore } from "./normalize.js";
