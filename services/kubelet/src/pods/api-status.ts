import type { Pod, PodCondition, PodStatus } from "@ktl/api";
import {
  KUBELET_CONDITIONS,
  containersReadyCondition,
  initializedCondition,
  readyCondition,
  readyToStartContainersCondition,
  withTransitionTimes,
} from "./conditions.js";
import { containerStatuses, type StartFailure } from "./container-statuses.js";
import { getPhase, isTerminalPhase } from "./phase.js";
import type { ProbeResults } from "./probe-results.js";
import { qosClass } from "./resources.js";
import type { PodRuntimeStatus } from "./runtime-status.js";
import { rfc3339 } from "./timestamps.js";

export interface PodStatusInput {
  readonly pod: Pod;
  readonly runtime: PodRuntimeStatus;
  /** The status last reported by this kubelet, or the API's when it has reported none since it started. */
  readonly oldStatus: PodStatus;
  readonly failures: ReadonlyMap<string, StartFailure>;
  /** The pod is being torn down (deleted, or terminal): its containers will not be restarted. */
  readonly podIsTerminal: boolean;
  readonly runtimeName: string;
  readonly probes: Pick<ProbeResults, "isReady" | "isStarted">;
  readonly nodeIp: string;
  /** Milliseconds since the epoch. */
  readonly now: number;
  /** The kubelet failed the pod itself (activeDeadlineSeconds): phase Failed with this reason and message. */
  readonly evicted?: { readonly reason: string; readonly message: string };
}

/**
 * The pod's API status from what runs (the kubelet's generateAPIPodStatus
 * and the status manager's merge): phase, the kubelet's conditions with
 * transition times, IPs, start time and container statuses. Pure.
 */
export function generatePodStatus(input: PodStatusInput): PodStatus {
  const { pod, runtime, oldStatus } = input;
  const apiStatus = pod.status ?? {};
  const now = rfc3339(input.now);
  const common = {
    pod,
    runtime,
    failures: input.failures,
    runtimeName: input.runtimeName,
    probes: input.probes,
  };
  const appStatuses = containerStatuses({
    ...common,
    previous: oldStatus.containerStatuses ?? [],
    containers: pod.spec?.containers ?? [],
    isInit: false,
  });
  const initStatuses = containerStatuses({
    ...common,
    previous: oldStatus.initContainerStatuses ?? [],
    containers: pod.spec?.initContainers ?? [],
    isInit: true,
  });

  let phase = getPhase(pod, [...appStatuses, ...initStatuses], input.podIsTerminal);
  // A terminal phase, once reported, never changes.
  if (!isTerminalPhase(phase)) {
    if (isTerminalPhase(oldStatus.phase)) phase = oldStatus.phase ?? phase;
    else if (isTerminalPhase(apiStatus.phase)) phase = apiStatus.phase ?? phase;
  }
  const status: PodStatus = { phase };
  if (phase === oldStatus.phase) {
    const reason = oldStatus.reason || apiStatus.reason;
    const message = oldStatus.message || apiStatus.message;
    if (reason) status.reason = reason;
    if (message) status.message = message;
  }
  if (input.evicted) {
    status.phase = phase = "Failed";
    status.reason = input.evicted.reason;
    status.message = input.evicted.message;
  }
  if (isTerminalPhase(apiStatus.phase) && phase !== apiStatus.phase)
    status.phase = phase = apiStatus.phase ?? phase;

  const others = (apiStatus.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type ?? ""));
  const all = [...initStatuses, ...appStatuses];
  const containersReady = containersReadyCondition(pod, all, phase);
  const sandboxReady = runtime.sandboxes[0]?.ready === true;
  const conditions: PodCondition[] = [
    ...others,
    readyToStartContainersCondition(sandboxReady),
    initializedCondition(pod, all, phase),
    readyCondition(pod, containersReady, others),
    containersReady,
    { type: "PodScheduled", status: "True" },
  ];
  status.conditions = withTransitionTimes(
    conditions,
    oldStatus.conditions ?? apiStatus.conditions ?? [],
    now,
  );

  status.hostIP = input.nodeIp;
  status.hostIPs = [{ ip: input.nodeIp }];
  let ips = [...runtime.ips];
  // Once no sandbox is ready (stopped, or not yet re-created) the pod keeps the
  // IPs it had, as the kubelet does, rather than appearing to lose them.
  if (ips.length === 0 && !runtime.sandboxes.some((s) => s.ready)) {
    ips = (oldStatus.podIPs ?? []).map((p) => p.ip ?? "").filter(Boolean);
    if (ips.length === 0 && oldStatus.podIP) ips = [oldStatus.podIP];
  }
  if (pod.spec?.hostNetwork === true && ips.length === 0) ips = [input.nodeIp];
  if (ips.length > 0) {
    status.podIP = ips[0];
    status.podIPs = ips.map((ip) => ({ ip }));
  }
  status.startTime = oldStatus.startTime || apiStatus.startTime || now;
  if (apiStatus.nominatedNodeName) status.nominatedNodeName = apiStatus.nominatedNodeName;
  status.qosClass = apiStatus.qosClass || qosClass(pod);
  if (initStatuses.length > 0) status.initContainerStatuses = initStatuses;
  status.containerStatuses = appStatuses;
  return status;
}
