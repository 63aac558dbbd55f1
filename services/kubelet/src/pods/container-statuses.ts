import type { Container, ContainerState, ContainerStatus, Pod } from "@ktl/api";
import { shouldContainerBeRestarted } from "./actions.js";
import type { ProbeResults } from "./probe-results.js";
import { latestContainer, type PodRuntimeStatus, type RuntimeContainer } from "./runtime-status.js";
import { rfc3339 } from "./timestamps.js";

/** Why a container could not be started by the last sync (the kubelet's reasonCache entry). */
export interface StartFailure {
  /** e.g. CrashLoopBackOff, ErrImagePull, ImagePullBackOff, CreateContainerConfigError. */
  readonly reason: string;
  readonly message: string;
}

export interface ContainerStatusInput {
  readonly pod: Pod;
  readonly runtime: PodRuntimeStatus;
  /** The statuses last reported for these containers (the status manager's, or the API's). */
  readonly previous: readonly ContainerStatus[];
  readonly containers: readonly Container[];
  readonly isInit: boolean;
  /** Start failures by container name. */
  readonly failures: ReadonlyMap<string, StartFailure>;
  /** The runtime's name, the containerID scheme ("containerd"). */
  readonly runtimeName: string;
  readonly probes: Pick<ProbeResults, "isReady" | "isStarted">;
}

/**
 * The API statuses of a pod's app or init containers from what runs
 * (convertToAPIContainerStatuses, then the prober's ready/started):
 * the newest instance gives `state`, the one before it `lastState`; a
 * container that could not be started is waiting with the failure's reason;
 * one never seen waits in ContainerCreating (PodInitializing when the pod
 * has init containers). Init containers keep spec order, app containers are
 * sorted by name, as Kubernetes does.
 */
export function containerStatuses(input: ContainerStatusInput): ContainerStatus[] {
  const { pod, runtime, containers, isInit } = input;
  const hasInits = (pod.spec?.initContainers?.length ?? 0) > 0;
  const defaultReason = hasInits ? "PodInitializing" : "ContainerCreating";
  const old = new Map(input.previous.map((s) => [s.name ?? "", s]));
  const statuses = new Map<string, ContainerStatus>();

  for (const c of containers) {
    const name = c.name ?? "";
    const prev = old.get(name);
    let status: ContainerStatus = {
      name,
      image: c.image,
      state: { waiting: { reason: defaultReason } },
      restartCount: 0,
    };
    if (prev?.state?.terminated) status = structuredClone(prev);
    else if (prev) {
      status.restartCount = prev.restartCount ?? 0;
      if (prev.lastState) status.lastState = structuredClone(prev.lastState);
    }
    statuses.set(name, status);
  }

  // A container that ran before and is gone from the runtime stopped for an
  // unknown reason: say so, rather than showing it as never having run.
  for (const c of containers) {
    const name = c.name ?? "";
    if (latestContainer(runtime, name)) continue;
    const prev = old.get(name);
    const status = statuses.get(name);
    if (!prev?.state?.running || !status?.state?.waiting || status.state.waiting.reason !== defaultReason)
      continue;
    if (status.lastState?.terminated) continue;
    status.lastState = {
      terminated: {
        exitCode: 137,
        reason: "ContainerStatusUnknown",
        message:
          "The container could not be located when the pod was deleted.  The container used to be Running",
      },
    };
    if (!pod.metadata?.deletionTimestamp) status.restartCount = (status.restartCount ?? 0) + 1;
  }

  const seen = new Map<string, number>();
  for (const rc of runtime.containers) {
    const current = statuses.get(rc.name);
    const count = seen.get(rc.name) ?? 0;
    if (!current || count >= 2) continue;
    const spec = containers.find((c) => c.name === rc.name);
    const converted = convert(rc, old.get(rc.name), spec?.image ?? "", input.runtimeName);
    if (count === 0) statuses.set(rc.name, converted);
    else current.lastState = converted.state;
    seen.set(rc.name, count + 1);
  }

  for (const c of containers) {
    const name = c.name ?? "";
    const latest = latestContainer(runtime, name);
    // A completed init container is not run again.
    if (isInit && latest?.state === "exited" && latest.exitCode === 0) continue;
    if (!shouldContainerBeRestarted(c, pod, runtime)) continue;
    const failure = input.failures.get(name);
    const status = statuses.get(name);
    if (!failure || !status) continue;
    if (status.state?.terminated) status.lastState = status.state;
    status.state = { waiting: { reason: failure.reason, message: failure.message } };
  }

  for (const status of statuses.values()) applyProbes(status, input.probes, isInit);
  const ordered = containers.map((c) => statuses.get(c.name ?? "")).filter((s) => s !== undefined);
  if (!isInit)
    ordered.sort((a, b) => ((a.name ?? "") < (b.name ?? "") ? -1 : (a.name ?? "") > (b.name ?? "") ? 1 : 0));
  return ordered;
}

function convert(
  rc: RuntimeContainer,
  prev: ContainerStatus | undefined,
  specImage: string,
  runtimeName: string,
): ContainerStatus {
  const containerID = `${runtimeName}://${rc.id}`;
  let state: ContainerState;
  let restartCount = rc.restartCount;
  switch (rc.state) {
    case "running":
      state = { running: { startedAt: rfc3339(rc.startedAt) } };
      break;
    case "created":
      // Created but not started yet: waiting to run.
      state = { waiting: {} };
      break;
    case "exited":
      state = {
        terminated: {
          exitCode: rc.exitCode,
          ...(rc.reason ? { reason: rc.reason } : {}),
          ...(rc.message ? { message: rc.message } : {}),
          ...(rc.startedAt ? { startedAt: rfc3339(rc.startedAt) } : {}),
          ...(rc.finishedAt ? { finishedAt: rfc3339(rc.finishedAt) } : {}),
          containerID,
        },
      };
      break;
    default:
      if (prev?.state?.running) {
        state = {
          terminated: {
            exitCode: 137,
            reason: "ContainerStatusUnknown",
            message: "The container could not be located when the pod was terminated",
          },
        };
        restartCount = (prev.restartCount ?? 0) + 1;
      } else state = { waiting: {} };
  }
  return {
    name: rc.name,
    state,
    restartCount,
    image: rc.userImage || specImage,
    imageID: rc.imageRef,
    containerID,
  };
}

/** The prober's part (prober manager's UpdatePodStatus): `started` and `ready`. */
function applyProbes(
  status: ContainerStatus,
  probes: Pick<ProbeResults, "isReady" | "isStarted">,
  isInit: boolean,
): void {
  const id = status.containerID?.replace(/^[^:]*:\/\//, "") ?? "";
  const running = status.state?.running !== undefined && id !== "";
  const started = running && probes.isStarted(id);
  status.started = started;
  if (isInit) {
    status.ready = status.state?.terminated !== undefined && (status.state.terminated.exitCode ?? 0) === 0;
    return;
  }
  status.ready = started && probes.isReady(id);
}
