import { join } from "node:path";
import type { ContainerStatus, Pod, PodStatus } from "@ktl/api";
import { badRequest, notFound } from "@ktl/apimachinery";
import { isNotFound, type RuntimeService } from "@ktl/cri";
import type { LogLocator } from "../logs/log-server.js";
import { podLogDir } from "./sandbox-config.js";

export interface LogLocatorDeps {
  readonly runtime: RuntimeService;
  readonly podLogsDir: string;
  /** The pod by namespace and name, as this node knows it. */
  readonly findPod: (namespace: string, name: string) => Pod | undefined;
  /** The status this kubelet last generated for the pod (uid), if any. */
  readonly statusOf: (uid: string) => PodStatus | undefined;
}

/**
 * Finds container logs the way the kubelet's GetKubeletContainerLogs does:
 * the container is chosen from the pod's status (validateContainerLogStatus),
 * so a crash-looping container's "current" log is that of its last run, and
 * `previous` is the instance in lastState. The file is the one the runtime
 * writes, <podLogsDir>/<ns>_<pod>_<uid>/<container>/<restartCount>.log.
 */
export function makeLogLocator(deps: LogLocatorDeps): LogLocator {
  return async ({ namespace, pod: podName, container, previous }) => {
    const pod = deps.findPod(namespace, podName);
    if (!pod) throw notFound({ group: "", resource: "pods" }, podName);
    const uid = pod.metadata?.uid ?? "";
    const status = deps.statusOf(uid) ?? pod.status ?? {};
    const containerId = chooseContainer(status, podName, container, previous);
    let path = "";
    try {
      const { status: cs } = await deps.runtime.containerStatus({ containerId });
      path = cs?.logPath ?? "";
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!path) {
      const cs = [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])].find(
        (s) => s.name === container,
      );
      const restartCount = previous ? Math.max(0, (cs?.restartCount ?? 1) - 1) : (cs?.restartCount ?? 0);
      path = join(
        podLogDir(deps.podLogsDir, { namespace, name: podName, uid }),
        container,
        `${restartCount}.log`,
      );
    }
    return {
      path,
      isRunning: async () => {
        try {
          const { status: cs } = await deps.runtime.containerStatus({ containerId });
          return cs?.state === "CONTAINER_RUNNING";
        } catch {
          return false;
        }
      },
    };
  };
}

/** The runtime id of the instance whose log is asked for, or the kubelet's 400 for a container with none. */
function chooseContainer(status: PodStatus, podName: string, name: string, previous: boolean): string {
  const cs: ContainerStatus | undefined = [
    ...(status.containerStatuses ?? []),
    ...(status.initContainerStatuses ?? []),
  ].find((s) => s.name === name);
  if (!cs) throw badRequest(`container "${name}" in pod "${podName}" is not available`);
  const last = cs.lastState?.terminated;
  const { waiting, running, terminated } = cs.state ?? {};
  let id: string | undefined;
  if (previous) {
    if (!last?.containerID)
      throw badRequest(`previous terminated container "${name}" in pod "${podName}" not found`);
    id = last.containerID;
  } else if (running) {
    id = cs.containerID;
  } else if (terminated) {
    id = terminated.containerID || last?.containerID;
    if (!id) throw badRequest(`container "${name}" in pod "${podName}" is terminated`);
  } else if (last) {
    if (!last.containerID) throw badRequest(`container "${name}" in pod "${podName}" is terminated`);
    id = last.containerID;
  } else if (waiting) {
    const reason = waiting.reason ?? "";
    if (reason === "ErrImagePull")
      throw badRequest(`container "${name}" in pod "${podName}" is waiting to start: image can't be pulled`);
    if (reason === "ImagePullBackOff") {
      throw badRequest(
        `container "${name}" in pod "${podName}" is waiting to start: trying and failing to pull image`,
      );
    }
    throw badRequest(`container "${name}" in pod "${podName}" is waiting to start: ${reason}`);
  } else {
    throw badRequest(`container "${name}" in pod "${podName}" is waiting to start - no logs yet`);
  }
  return (id ?? "").replace(/^[^:]*:\/\//, "");
}
