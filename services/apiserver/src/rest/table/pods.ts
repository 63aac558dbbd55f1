/**
 * `kubectl get pods`: a port of printPod in Kubernetes'
 * pkg/printers/internalversion/printers.go, including the STATUS reason logic
 * (init containers, sidecars, waiting/terminated reasons, Terminating) and the
 * RESTARTS "(5m ago)" suffix.
 */
import type { Container, ContainerStatus, Pod, PodCondition, PodStatus } from "@ktl/api";
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, nameOf, printer, wideColumn } from "./columns.js";
import { parseTimestamp, translateTimestampSince } from "./duration.js";
import type { PrintedRow, TableRowCondition } from "./types.js";

const COLUMNS = [
  NAME_COLUMN,
  column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
  column("Status", "string", "The aggregate status of the containers in this pod."),
  column(
    "Restarts",
    "string",
    "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
  ),
  AGE_COLUMN,
  wideColumn(
    "IP",
    "string",
    "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
  ),
  wideColumn(
    "Node",
    "string",
    "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName.",
  ),
  wideColumn(
    "Nominated Node",
    "string",
    "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.",
  ),
  wideColumn(
    "Readiness Gates",
    "string",
    'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True"',
  ),
];

const SUCCEEDED: readonly TableRowCondition[] = [
  { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." },
];
const FAILED: readonly TableRowCondition[] = [
  { type: "Completed", status: "True", reason: "Failed", message: "The pod failed." },
];

/** The node controller's reason for pods on a node that stopped reporting. */
const NODE_UNREACHABLE_POD_REASON = "NodeLost";

/** A sidecar: an init container that keeps running (restartPolicy Always, Kubernetes 1.29+). */
function isRestartable(container: Container | undefined): boolean {
  return (container as { restartPolicy?: string } | undefined)?.restartPolicy === "Always";
}

/** The later of a running "last restart" instant and a container's last termination. */
function laterRestart(current: number | undefined, status: ContainerStatus): number | undefined {
  const finished = parseTimestamp(status.lastState?.terminated?.finishedAt);
  if (finished === undefined) return current;
  return current === undefined || finished > current ? finished : current;
}

function conditionIsTrue(conditions: readonly PodCondition[] | undefined, type: string): boolean {
  return (conditions ?? []).some((c) => c.type === type && c.status === "True");
}

/** isPodInitializedConditionTrue: only the first Initialized condition counts. */
function isInitialized(status: PodStatus): boolean {
  const condition = (status.conditions ?? []).find((c) => c.type === "Initialized");
  return condition?.status === "True";
}

interface Counts {
  reason: string;
  ready: number;
  restarts: number;
  lastRestart: number | undefined;
}

/**
 * Walks init container statuses in order; stops at the first one still
 * blocking initialization and reports it as Init:<reason> or Init:i/n.
 * Returns whether the pod is still initializing, plus the sidecars' own
 * restart figures (which carry over once initialization is done).
 */
function scanInitContainers(pod: Pod, counts: Counts) {
  const specInit = pod.spec?.initContainers ?? [];
  const byName = new Map(specInit.map((c) => [c.name ?? "", c]));
  let sidecarRestarts = 0;
  let sidecarLastRestart: number | undefined;
  let initializing = false;
  for (const [i, cs] of (pod.status?.initContainerStatuses ?? []).entries()) {
    const restartable = isRestartable(byName.get(cs.name ?? ""));
    counts.restarts += cs.restartCount ?? 0;
    counts.lastRestart = laterRestart(counts.lastRestart, cs);
    if (restartable) {
      sidecarRestarts += cs.restartCount ?? 0;
      sidecarLastRestart = laterRestart(sidecarLastRestart, cs);
    }
    const terminated = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (restartable && cs.started === true) {
      if (cs.ready) counts.ready++;
      continue;
    }
    if (terminated) {
      if (terminated.reason) counts.reason = `Init:${terminated.reason}`;
      else if (terminated.signal) counts.reason = `Init:Signal:${terminated.signal}`;
      else counts.reason = `Init:ExitCode:${terminated.exitCode ?? 0}`;
    } else if (waiting?.reason && waiting.reason !== "PodInitializing") {
      counts.reason = `Init:${waiting.reason}`;
    } else {
      counts.reason = `Init:${i}/${specInit.length}`;
    }
    initializing = true;
    break;
  }
  return { initializing, sidecarRestarts, sidecarLastRestart };
}

/** Regular containers, last to first, so the first container's reason wins. */
function scanContainers(pod: Pod, counts: Counts): void {
  const statuses = pod.status?.containerStatuses ?? [];
  let hasRunning = false;
  for (let i = statuses.length - 1; i >= 0; i--) {
    const cs = statuses[i];
    if (cs === undefined) continue;
    counts.restarts += cs.restartCount ?? 0;
    counts.lastRestart = laterRestart(counts.lastRestart, cs);
    const waiting = cs.state?.waiting;
    const terminated = cs.state?.terminated;
    if (waiting?.reason) counts.reason = waiting.reason;
    else if (terminated?.reason) counts.reason = terminated.reason;
    else if (terminated) {
      counts.reason = terminated.signal
        ? `Signal:${terminated.signal}`
        : `ExitCode:${terminated.exitCode ?? 0}`;
    } else if (cs.ready && cs.state?.running) {
      hasRunning = true;
      counts.ready++;
    }
  }
  // A pod whose main containers completed but a sidecar still runs is not done.
  if (counts.reason === "Completed" && hasRunning) {
    counts.reason = conditionIsTrue(pod.status?.conditions, "Ready") ? "Running" : "NotReady";
  }
}

function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return "<none>";
  const conditions = pod.status?.conditions ?? [];
  const trueCount = gates.filter(
    (gate) => conditions.find((c) => c.type === gate.conditionType)?.status === "True",
  ).length;
  return `${trueCount}/${gates.length}`;
}

function print(pod: Pod, now: Date): PrintedRow {
  const status = pod.status ?? {};
  const phase = status.phase ?? "";
  const specInit = pod.spec?.initContainers ?? [];
  const counts: Counts = { reason: status.reason || phase, ready: 0, restarts: 0, lastRestart: undefined };
  if ((status.conditions ?? []).some((c) => c.type === "PodScheduled" && c.reason === "SchedulingGated")) {
    counts.reason = "SchedulingGated";
  }

  const init = scanInitContainers(pod, counts);
  if (!init.initializing || isInitialized(status)) {
    // Once initialized, only sidecar restarts count among init containers.
    counts.restarts = init.sidecarRestarts;
    counts.lastRestart = init.sidecarLastRestart;
    scanContainers(pod, counts);
  }

  if (pod.metadata?.deletionTimestamp && status.reason === NODE_UNREACHABLE_POD_REASON) {
    counts.reason = "Unknown";
  } else if (pod.metadata?.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed") {
    counts.reason = "Terminating";
  }

  const total = (pod.spec?.containers ?? []).length + specInit.filter(isRestartable).length;
  const restarts =
    counts.restarts !== 0 && counts.lastRestart !== undefined
      ? `${counts.restarts} (${translateTimestampSince(counts.lastRestart, now)} ago)`
      : String(counts.restarts);
  // The v1 -> internal conversion makes podIP authoritative over podIPs[0].
  const podIP = status.podIP || status.podIPs?.[0]?.ip || "<none>";

  return {
    cells: [
      nameOf(pod),
      `${counts.ready}/${total}`,
      counts.reason,
      restarts,
      ageOf(pod, now),
      podIP,
      pod.spec?.nodeName || "<none>",
      status.nominatedNodeName || "<none>",
      readinessGates(pod),
    ],
    ...(phase === "Succeeded" ? { conditions: SUCCEEDED } : phase === "Failed" ? { conditions: FAILED } : {}),
  };
}

export const podPrinter = printer<Pod>({ columns: COLUMNS, print });
