import {
  isNotFound,
  type CallOptions,
  type ContainerStatus as CriContainerStatus,
  type RuntimeService,
} from "@ktl/cri";
import {
  CONTAINER_HASH_ANNOTATION,
  CONTAINER_NAME_LABEL,
  POD_UID_LABEL,
  RESTART_COUNT_ANNOTATION,
  TERMINATION_GRACE_ANNOTATION,
} from "./labels.js";
import { nsToMs } from "./timestamps.js";

/** A container's state as the kubelet sees it (kubecontainer.State). */
export type RuntimeContainerState = "created" | "running" | "exited" | "unknown";

/** One container instance in the runtime (kubecontainer.Status). Times are ms since the epoch, 0 = not yet. */
export interface RuntimeContainer {
  readonly id: string;
  readonly sandboxId: string;
  readonly name: string;
  readonly state: RuntimeContainerState;
  readonly createdAt: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly exitCode: number;
  readonly reason: string;
  readonly message: string;
  /** The image the runtime reports, e.g. "docker.io/library/busybox:latest". */
  readonly image: string;
  /** The image as the pod spec wrote it, when the runtime reports it. */
  readonly userImage: string;
  /** The digested reference, e.g. "docker.io/library/busybox@sha256:…": the API's imageID. */
  readonly imageRef: string;
  /** From the restartCount annotation the kubelet wrote when creating it. */
  readonly restartCount: number;
  /** The container spec hash it was created from. */
  readonly hash: string;
  /** The terminationGracePeriodSeconds it was created with, if any. */
  readonly terminationGrace: number | undefined;
  /** Absolute path of its log file ("" if unknown). */
  readonly logPath: string;
}

/** One sandbox of the pod. */
export interface RuntimeSandbox {
  readonly id: string;
  readonly ready: boolean;
  readonly attempt: number;
  readonly createdAt: number;
  /** Network namespace mode; only known for the latest sandbox (from PodSandboxStatus). */
  readonly network?: "POD" | "NODE";
  /** Addresses of a ready latest sandbox, primary first. */
  readonly ips: readonly string[];
}

/**
 * What runs for one pod (kubecontainer.PodStatus): its sandboxes and container
 * instances, newest first, and the IPs of its latest sandbox when it is ready.
 */
export interface PodRuntimeStatus {
  readonly uid: string;
  readonly sandboxes: readonly RuntimeSandbox[];
  readonly containers: readonly RuntimeContainer[];
  readonly ips: readonly string[];
}

export const EMPTY_RUNTIME_STATUS = (uid: string): PodRuntimeStatus => ({
  uid,
  sandboxes: [],
  containers: [],
  ips: [],
});

/** The newest instance of the container named `name`. */
export function latestContainer(status: PodRuntimeStatus, name: string): RuntimeContainer | undefined {
  return status.containers.find((c) => c.name === name);
}

/**
 * Reads the pod's state from the runtime: sandboxes and containers by the
 * pod uid label, each container's full status, and the latest sandbox's
 * status (for IPs and network mode). A container or sandbox that disappears
 * between the list and the status call is skipped.
 */
export async function getPodRuntimeStatus(
  runtime: RuntimeService,
  uid: string,
  options: CallOptions = {},
): Promise<PodRuntimeStatus> {
  const selector = { [POD_UID_LABEL]: uid };
  const [{ items = [] }, { containers: listed = [] }] = await Promise.all([
    runtime.listPodSandbox({ filter: { labelSelector: selector } }, options),
    runtime.listContainers({ filter: { labelSelector: selector } }, options),
  ]);
  const sorted = [...items].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  const sandboxes: RuntimeSandbox[] = sorted.map((s) => ({
    id: s.id ?? "",
    ready: s.state === "SANDBOX_READY",
    attempt: s.metadata?.attempt ?? 0,
    createdAt: nsToMs(s.createdAt),
    ips: [],
  }));
  const latest = sandboxes[0];
  if (latest) {
    try {
      const { status } = await runtime.podSandboxStatus({ podSandboxId: latest.id }, options);
      const ready = status?.state === "SANDBOX_READY";
      const net = status?.network;
      const ips =
        ready && net?.ip ? [net.ip, ...(net.additionalIps ?? []).map((p) => p.ip ?? "").filter(Boolean)] : [];
      const mode = status?.linux?.namespaces?.options?.network === "NODE" ? "NODE" : "POD";
      sandboxes[0] = { ...latest, ready, ips, network: mode };
    } catch (err) {
      if (!isNotFound(err)) throw err;
      sandboxes.shift();
    }
  }
  const statuses = await Promise.all(
    listed.map(async (c) => {
      try {
        return (await runtime.containerStatus({ containerId: c.id ?? "" }, options)).status;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    }),
  );
  const containers: RuntimeContainer[] = [];
  listed.forEach((c, i) => {
    const s = statuses[i];
    if (s) containers.push(toRuntimeContainer(s, c.podSandboxId ?? ""));
  });
  // Newest first; the restart count breaks ties within a millisecond.
  containers.sort((a, b) => b.createdAt - a.createdAt || b.restartCount - a.restartCount);
  return { uid, sandboxes, containers, ips: sandboxes[0]?.ips ?? [] };
}

function toRuntimeContainer(s: CriContainerStatus, sandboxId: string): RuntimeContainer {
  const annotations = s.annotations ?? {};
  const grace = annotations[TERMINATION_GRACE_ANNOTATION];
  return {
    id: s.id ?? "",
    sandboxId,
    name: s.labels?.[CONTAINER_NAME_LABEL] ?? s.metadata?.name ?? "",
    state: toState(s.state),
    createdAt: nsToMs(s.createdAt),
    startedAt: nsToMs(s.startedAt),
    finishedAt: nsToMs(s.finishedAt),
    exitCode: s.exitCode ?? 0,
    reason: s.reason ?? "",
    message: s.message ?? "",
    image: s.image?.image ?? "",
    userImage: s.image?.userSpecifiedImage ?? "",
    imageRef: s.imageRef ?? "",
    restartCount: Number(annotations[RESTART_COUNT_ANNOTATION] ?? 0) || 0,
    hash: annotations[CONTAINER_HASH_ANNOTATION] ?? "",
    terminationGrace: grace === undefined || grace === "" ? undefined : Number(grace),
    logPath: s.logPath ?? "",
  };
}

function toState(state: CriContainerStatus["state"]): RuntimeContainerState {
  switch (state) {
    case "CONTAINER_CREATED":
      return "created";
    case "CONTAINER_RUNNING":
      return "running";
    case "CONTAINER_EXITED":
      return "exited";
    default:
      return "unknown";
  }
}
