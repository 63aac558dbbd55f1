import type { Container, Pod } from "@ktl/api";
import type { ContainerConfig, LinuxContainerSecurityContext, Mount } from "@ktl/cri";
import { hashContainer } from "./container-hash.js";
import { expandCommand, type EnvPair } from "./env.js";
import {
  CONTAINER_HASH_ANNOTATION,
  CONTAINER_NAME_LABEL,
  CONTAINER_PORTS_ANNOTATION,
  DELETION_GRACE_ANNOTATION,
  RESTART_COUNT_ANNOTATION,
  TERMINATION_GRACE_ANNOTATION,
  TERMINATION_MESSAGE_PATH_ANNOTATION,
  TERMINATION_MESSAGE_POLICY_ANNOTATION,
  podLabels,
} from "./labels.js";
import { linuxResources } from "./resources.js";
import { namespaceOptions } from "./sandbox-config.js";

/** What the container runtime must not show an unprivileged container (securitycontext.defaultMaskedPaths). */
const MASKED_PATHS = [
  "/proc/asound",
  "/proc/acpi",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/sys/firmware",
  "/sys/devices/virtual/powercap",
];
const READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

export interface ContainerConfigInput {
  readonly pod: Pod;
  readonly container: Container;
  /** Also the CRI attempt and the log file's name. */
  readonly restartCount: number;
  /** What PullImage returned (or the present image's id). */
  readonly imageRef: string;
  readonly env: readonly EnvPair[];
  readonly mounts: readonly Mount[];
  /** The node's memory, for the OOM score of burstable containers. */
  readonly memoryCapacity: number;
}

/** The container's log file, relative to the sandbox's log directory: <name>/<restartCount>.log. */
export function containerLogPath(name: string, restartCount: number): string {
  return `${name}/${restartCount}.log`;
}

/**
 * The CRI configuration of one container instance (generateContainerConfig).
 * command and args are passed as written (after `$(VAR)` expansion): the
 * runtime applies the image's ENTRYPOINT and CMD as Kubernetes defines.
 * Labels and annotations carry what a restarted kubelet needs to adopt it:
 * pod and container identity, restart count, spec hash and grace period.
 */
export function containerConfig(input: ContainerConfigInput): ContainerConfig {
  const { pod, container, restartCount } = input;
  const meta = pod.metadata ?? {};
  const name = container.name ?? "";
  const annotations: Record<string, string> = {
    [CONTAINER_HASH_ANNOTATION]: hashContainer(container),
    [RESTART_COUNT_ANNOTATION]: String(restartCount),
    [TERMINATION_MESSAGE_PATH_ANNOTATION]: container.terminationMessagePath ?? "/dev/termination-log",
    [TERMINATION_MESSAGE_POLICY_ANNOTATION]: container.terminationMessagePolicy ?? "File",
  };
  if (pod.spec?.terminationGracePeriodSeconds !== undefined) {
    annotations[TERMINATION_GRACE_ANNOTATION] = String(pod.spec.terminationGracePeriodSeconds);
  }
  if (meta.deletionGracePeriodSeconds !== undefined) {
    annotations[DELETION_GRACE_ANNOTATION] = String(meta.deletionGracePeriodSeconds);
  }
  if (container.ports?.length) annotations[CONTAINER_PORTS_ANNOTATION] = JSON.stringify(container.ports);
  const identity = { uid: meta.uid ?? "", name: meta.name ?? "", namespace: meta.namespace ?? "" };
  const command = expandCommand(container.command, input.env);
  const args = expandCommand(container.args, input.env);
  return {
    metadata: { name, attempt: restartCount },
    image: { image: input.imageRef, userSpecifiedImage: container.image ?? "" },
    ...(command ? { command } : {}),
    ...(args ? { args } : {}),
    ...(container.workingDir ? { workingDir: container.workingDir } : {}),
    envs: input.env.map((e) => ({ key: e.name, value: e.value })),
    mounts: [...input.mounts],
    labels: { ...podLabels(identity, pod.spec?.nodeName ?? ""), [CONTAINER_NAME_LABEL]: name },
    annotations,
    logPath: containerLogPath(name, restartCount),
    stdin: container.stdin === true,
    stdinOnce: container.stdinOnce === true,
    tty: container.tty === true,
    linux: {
      resources: linuxResources(pod, container, input.memoryCapacity),
      securityContext: securityContext(pod, container),
    },
  };
}

/** The container's security settings, the pod's as defaults (determineEffectiveSecurityContext). */
function securityContext(pod: Pod, container: Container): LinuxContainerSecurityContext {
  const podSc = pod.spec?.securityContext ?? {};
  const sc = container.securityContext ?? {};
  const privileged = sc.privileged === true;
  const runAsUser = sc.runAsUser ?? podSc.runAsUser;
  const runAsGroup = sc.runAsGroup ?? podSc.runAsGroup;
  return {
    privileged,
    namespaceOptions: namespaceOptions(pod),
    ...(runAsUser !== undefined ? { runAsUser: { value: runAsUser } } : {}),
    ...(runAsGroup !== undefined ? { runAsGroup: { value: runAsGroup } } : {}),
    ...(podSc.supplementalGroups?.length ? { supplementalGroups: podSc.supplementalGroups } : {}),
    readonlyRootfs: sc.readOnlyRootFilesystem === true,
    noNewPrivs: sc.allowPrivilegeEscalation === false,
    ...(sc.capabilities
      ? {
          capabilities: {
            addCapabilities: sc.capabilities.add ?? [],
            dropCapabilities: sc.capabilities.drop ?? [],
          },
        }
      : {}),
    ...(privileged ? {} : { maskedPaths: MASKED_PATHS, readonlyPaths: READONLY_PATHS }),
  };
}
