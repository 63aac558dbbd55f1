import type { Container, Pod } from "@ktl/api";
import { hashContainer } from "./container-hash.js";
import { latestContainer, type PodRuntimeStatus, type RuntimeContainer } from "./runtime-status.js";

/** Why a running container is killed; probe kills may use the probe's own grace period. */
export type KillReason = "liveness" | "startup" | "changed" | "unknown-state";

export interface ContainerToKill {
  readonly id: string;
  readonly name: string;
  readonly message: string;
  readonly reason: KillReason;
}

/**
 * What one sync has to do to bring the runtime to the pod's spec
 * (kuberuntime's podActions). Indexes are into spec.containers /
 * spec.initContainers.
 */
export interface PodActions {
  /** Stop every container and the sandbox (before recreating it, or because nothing is left to run). */
  readonly killPod: boolean;
  readonly createSandbox: boolean;
  /** The latest sandbox, if any. */
  readonly sandboxId: string | undefined;
  /** metadata.attempt for the sandbox to create (or of the current one). */
  readonly attempt: number;
  /** The init container to start next; app containers wait until none is left. */
  readonly nextInitContainer: number | undefined;
  readonly containersToStart: readonly number[];
  readonly containersToKill: readonly ContainerToKill[];
}

/** What computePodActions needs to know about probes. */
export interface HealthResults {
  /** The failure message when the liveness or startup probe asks for a kill. */
  unhealthy(containerId: string): string | undefined;
}

/** Every restart policy but Never restarts failed containers. */
export function shouldRestartOnFailure(pod: Pod): boolean {
  return pod.spec?.restartPolicy !== "Never";
}

/**
 * Whether the container should be (re)started by the next sync
 * (kubecontainer.ShouldContainerBeRestarted): never for a pod being deleted;
 * always when it never ran or is created/unknown; otherwise per restart policy.
 */
export function shouldContainerBeRestarted(
  container: Container,
  pod: Pod,
  status: PodRuntimeStatus,
): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  const latest = latestContainer(status, container.name ?? "");
  if (!latest) return true;
  if (latest.state === "running") return false;
  if (latest.state === "unknown" || latest.state === "created") return true;
  const policy = pod.spec?.restartPolicy;
  if (policy === "Never") return false;
  if (policy === "OnFailure" && latest.exitCode === 0) return false;
  return true;
}

/** An init container that failed: exited non-zero, OOM-killed, or in an unknown state. */
export function isInitContainerFailed(c: RuntimeContainer): boolean {
  if (c.reason === "OOMKilled") return true;
  if (c.state === "exited" && c.exitCode !== 0) return true;
  return c.state === "unknown";
}

/**
 * Where initialization stands (findNextInitContainerToRun): `done` once the
 * last init container exited or any app container runs; otherwise the next
 * one to start (the failed one again, or the one after the last that
 * succeeded), with the status of a failed one.
 */
export function findNextInitContainer(
  pod: Pod,
  status: PodRuntimeStatus,
): { done: boolean; next?: number; failed?: RuntimeContainer } {
  const inits = pod.spec?.initContainers ?? [];
  if (inits.length === 0) return { done: true };
  for (const c of pod.spec?.containers ?? []) {
    if (latestContainer(status, c.name ?? "")?.state === "running") return { done: true };
  }
  for (let i = inits.length - 1; i >= 0; i--) {
    const s = latestContainer(status, inits[i]?.name ?? "");
    if (s && isInitContainerFailed(s)) return { done: false, next: i, failed: s };
  }
  for (let i = inits.length - 1; i >= 0; i--) {
    const s = latestContainer(status, inits[i]?.name ?? "");
    if (!s) continue;
    if (s.state === "running") return { done: false };
    if (s.state === "exited") return i === inits.length - 1 ? { done: true } : { done: false, next: i + 1 };
  }
  return { done: false, next: 0 };
}

/**
 * Decides the sync's work from the spec and the runtime's state
 * (computePodActions). Pure: no I/O, same answer for the same inputs.
 */
export function computePodActions(pod: Pod, status: PodRuntimeStatus, health: HealthResults): PodActions {
  const latest = status.sandboxes[0];
  const sandboxChanged = sandboxNeedsRecreation(pod, status);
  const attempt = latest ? latest.attempt + (sandboxChanged ? 1 : 0) : 0;
  const base = { sandboxId: latest?.id, attempt };
  const containers = pod.spec?.containers ?? [];

  if (sandboxChanged) {
    const nothing = {
      ...base,
      killPod: true,
      createSandbox: false,
      nextInitContainer: undefined,
      containersToStart: [],
      containersToKill: [],
    };
    // A pod that must not restart and has already run stays down.
    if (!shouldRestartOnFailure(pod) && attempt !== 0 && status.containers.length > 0) return nothing;
    const toStart = containers
      .map((_, i) => i)
      .filter((i) => !(pod.spec?.restartPolicy === "OnFailure" && succeeded(containers[i], status)));
    if (toStart.length === 0 && findNextInitContainer(pod, status).done) return nothing;
    const hasInits = (pod.spec?.initContainers?.length ?? 0) > 0;
    return {
      ...base,
      killPod: true,
      createSandbox: true,
      nextInitContainer: hasInits ? 0 : undefined,
      containersToStart: hasInits ? [] : toStart,
      containersToKill: [],
    };
  }

  const init = findNextInitContainer(pod, status);
  if (!init.done) {
    const kills: ContainerToKill[] = [];
    let killPod = false;
    let next = init.next;
    if (next !== undefined) {
      if (init.failed && isInitContainerFailed(init.failed) && !shouldRestartOnFailure(pod)) {
        killPod = true;
        next = undefined;
      } else if (init.failed?.state === "unknown") {
        kills.push({ id: init.failed.id, name: init.failed.name, message: "", reason: "unknown-state" });
      }
    }
    return {
      ...base,
      killPod,
      createSandbox: false,
      nextInitContainer: next,
      containersToStart: [],
      containersToKill: kills,
    };
  }

  const toStart: number[] = [];
  const toKill: ContainerToKill[] = [];
  let keep = 0;
  containers.forEach((container, i) => {
    const name = container.name ?? "";
    const current = latestContainer(status, name);
    if (!current || current.state !== "running") {
      if (shouldContainerBeRestarted(container, pod, status)) {
        toStart.push(i);
        if (current?.state === "unknown") {
          toKill.push({ id: current.id, name, message: "", reason: "unknown-state" });
        }
      }
      return;
    }
    let message: string;
    let reason: KillReason;
    let restart = shouldRestartOnFailure(pod);
    const failure = health.unhealthy(current.id);
    if (current.hash !== "" && current.hash !== hashContainer(container)) {
      message = `Container ${name} definition changed`;
      reason = "changed";
      // A changed spec restarts the container whatever the restart policy.
      restart = true;
    } else if (failure !== undefined) {
      message = failure.replace(/, will be restarted$/, "");
      reason = /startup/.test(message) ? "startup" : "liveness";
    } else {
      keep++;
      return;
    }
    if (restart) {
      message += ", will be restarted";
      toStart.push(i);
    }
    toKill.push({ id: current.id, name, message, reason });
  });
  const killPod = keep === 0 && toStart.length === 0;
  return {
    ...base,
    killPod,
    createSandbox: false,
    nextInitContainer: undefined,
    containersToStart: toStart,
    containersToKill: toKill,
  };
}

/**
 * The sandbox must be (re)created when there is none, more than one is
 * ready, the latest is not ready, its network mode no longer matches the
 * spec, or a pod-network sandbox has no IP (runtimeutil.PodSandboxChanged).
 */
export function sandboxNeedsRecreation(pod: Pod, status: PodRuntimeStatus): boolean {
  const latest = status.sandboxes[0];
  if (!latest) return true;
  if (status.sandboxes.filter((s) => s.ready).length > 1) return true;
  if (!latest.ready) return true;
  const wanted = pod.spec?.hostNetwork === true ? "NODE" : "POD";
  if (latest.network !== undefined && latest.network !== wanted) return true;
  return wanted === "POD" && latest.ips.length === 0;
}

function succeeded(container: Container | undefined, status: PodRuntimeStatus): boolean {
  const s = latestContainer(status, container?.name ?? "");
  return s?.state === "exited" && s.exitCode === 0;
}
