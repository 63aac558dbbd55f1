import type { ContainerStatus, Pod, PodCondition } from "@ktl/api";

/** The conditions the kubelet owns; any other condition on the pod is kept as it is. */
export const KUBELET_CONDITIONS: ReadonlySet<string> = new Set([
  "PodReadyToStartContainers",
  "Initialized",
  "Ready",
  "ContainersReady",
  "PodScheduled",
]);

/** Go's `%s` of a []string: "[a b]". */
const list = (names: readonly string[]): string => `[${names.join(" ")}]`;

/** True once the latest sandbox is ready with its network configured (status.GeneratePodReadyToStartContainersCondition). */
export function readyToStartContainersCondition(sandboxReady: boolean): PodCondition {
  return { type: "PodReadyToStartContainers", status: sandboxReady ? "True" : "False" };
}

/** Initialized: every init container completed (status.GeneratePodInitializedCondition). */
export function initializedCondition(
  pod: Pod,
  statuses: readonly ContainerStatus[],
  phase: string,
): PodCondition {
  const inits = pod.spec?.initContainers ?? [];
  const byName = new Map(statuses.map((s) => [s.name, s]));
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of inits) {
    const s = byName.get(c.name);
    if (!s) unknown.push(c.name ?? "");
    else if (!(s.state?.terminated && (s.state.terminated.exitCode ?? 0) === 0))
      incomplete.push(c.name ?? "");
  }
  if (phase === "Succeeded" && unknown.length === 0) {
    return { type: "Initialized", status: "True", reason: "PodCompleted" };
  }
  // Once an app container has started, the pod was initialized, even if
  // init containers were removed since.
  if (anyAppContainerStarted(pod, byName)) return { type: "Initialized", status: "True" };
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${list(unknown)}`);
  if (incomplete.length > 0) messages.push(`containers with incomplete status: ${list(incomplete)}`);
  if (messages.length > 0) {
    return {
      type: "Initialized",
      status: "False",
      reason: "ContainersNotInitialized",
      message: messages.join(", "),
    };
  }
  return { type: "Initialized", status: "True" };
}

/** ContainersReady: every app container is ready (status.GenerateContainersReadyCondition). */
export function containersReadyCondition(
  pod: Pod,
  statuses: readonly ContainerStatus[],
  phase: string,
): PodCondition {
  const byName = new Map(statuses.map((s) => [s.name, s]));
  const unknown: string[] = [];
  const unready: string[] = [];
  for (const c of pod.spec?.containers ?? []) {
    const s = byName.get(c.name);
    if (!s) unknown.push(c.name ?? "");
    else if (!s.ready) unready.push(c.name ?? "");
  }
  if (phase === "Succeeded" && unknown.length === 0) {
    return { type: "ContainersReady", status: "False", reason: "PodCompleted" };
  }
  if (phase === "Failed") return { type: "ContainersReady", status: "False", reason: "PodFailed" };
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${list(unknown)}`);
  if (unready.length > 0) messages.push(`containers with unready status: ${list(unready)}`);
  if (messages.length > 0) {
    return {
      type: "ContainersReady",
      status: "False",
      reason: "ContainersNotReady",
      message: messages.join(", "),
    };
  }
  return { type: "ContainersReady", status: "True" };
}

/**
 * Ready: ContainersReady, and every readiness gate's condition True
 * (status.GeneratePodReadyCondition). `conditions` are the pod's other
 * conditions, where readiness gates are looked up.
 */
export function readyCondition(
  pod: Pod,
  containersReady: PodCondition,
  conditions: readonly PodCondition[],
): PodCondition {
  if (containersReady.status !== "True") {
    return {
      type: "Ready",
      status: containersReady.status,
      ...(containersReady.reason ? { reason: containersReady.reason } : {}),
      ...(containersReady.message ? { message: containersReady.message } : {}),
    };
  }
  const messages: string[] = [];
  for (const gate of pod.spec?.readinessGates ?? []) {
    const type = gate.conditionType ?? "";
    const c = conditions.find((x) => x.type === type);
    if (!c) messages.push(`corresponding condition of pod readiness gate "${type}" does not exist.`);
    else if (c.status !== "True")
      messages.push(`the status of pod readiness gate "${type}" is not "True", but ${c.status ?? ""}`);
  }
  if (messages.length > 0) {
    return { type: "Ready", status: "False", reason: "ReadinessGatesNotReady", message: messages.join(", ") };
  }
  return { type: "Ready", status: "True" };
}

function anyAppContainerStarted(pod: Pod, byName: ReadonlyMap<string | undefined, ContainerStatus>): boolean {
  return (pod.spec?.containers ?? []).some((c) => {
    const s = byName.get(c.name);
    return s?.state?.running !== undefined || s?.state?.terminated !== undefined;
  });
}

/**
 * Carries lastTransitionTime over from the previous condition of the same
 * type when its status did not change, and sets it to `now` when it did
 * (the status manager's updateLastTransitionTime).
 */
export function withTransitionTimes(
  conditions: readonly PodCondition[],
  previous: readonly PodCondition[],
  now: string,
): PodCondition[] {
  return conditions.map((c) => {
    if (!KUBELET_CONDITIONS.has(c.type ?? "")) return c;
    const old = previous.find((p) => p.type === c.type);
    const lastTransitionTime =
      old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now;
    return { ...c, lastTransitionTime };
  });
}
