import { join } from "node:path";
import type { Pod } from "@ktl/api";
import type { NamespaceOption, PodSandboxConfig, PortMapping, Protocol } from "@ktl/cri";
import { podLabels } from "./labels.js";

/** Kubernetes' pod log directory: <root>/<namespace>_<name>_<uid>. */
export function podLogDir(podLogsDir: string, pod: { namespace: string; name: string; uid: string }): string {
  return join(podLogsDir, `${pod.namespace}_${pod.name}_${pod.uid}`);
}

/** The pod's hostname: spec.hostname, else its name cut to a DNS label's 63 characters. */
export function podHostname(pod: Pod): string {
  const hostname = pod.spec?.hostname || pod.metadata?.name || "";
  return hostname.slice(0, 63).replace(/[-.]+$/, "");
}

/** Whose namespaces the pod's containers join (the kubelet's namespacesForPod). */
export function namespaceOptions(pod: Pod): NamespaceOption {
  return {
    network: pod.spec?.hostNetwork === true ? "NODE" : "POD",
    pid: pod.spec?.hostPID === true ? "NODE" : "CONTAINER",
    ipc: pod.spec?.hostIPC === true ? "NODE" : "POD",
  };
}

/**
 * The sandbox's configuration (generatePodSandboxConfig): metadata with the
 * attempt, hostname, log directory, the ports of the app containers, the
 * pod's labels plus the kubelet's identity labels, the pod's annotations,
 * and its cgroup below the node's.
 */
export function sandboxConfig(
  pod: Pod,
  options: { attempt: number; podLogsDir: string; cgroupParent: string },
): PodSandboxConfig {
  const meta = pod.metadata ?? {};
  const identity = { uid: meta.uid ?? "", name: meta.name ?? "", namespace: meta.namespace ?? "" };
  const portMappings: PortMapping[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      portMappings.push({
        protocol: (p.protocol ?? "TCP") as Protocol,
        containerPort: p.containerPort ?? 0,
        hostPort: p.hostPort ?? 0,
        hostIp: p.hostIP ?? "",
      });
    }
  }
  const security = pod.spec?.securityContext;
  const privileged = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some(
    (c) => c.securityContext?.privileged === true,
  );
  return {
    metadata: { ...identity, attempt: options.attempt },
    hostname: podHostname(pod),
    logDirectory: podLogDir(options.podLogsDir, identity),
    portMappings,
    labels: { ...meta.labels, ...podLabels(identity, pod.spec?.nodeName ?? "") },
    annotations: { ...meta.annotations },
    linux: {
      cgroupParent: `${options.cgroupParent.replace(/\/+$/, "")}/pod${identity.uid}`,
      securityContext: {
        namespaceOptions: namespaceOptions(pod),
        ...(security?.runAsUser !== undefined ? { runAsUser: { value: security.runAsUser } } : {}),
        ...(security?.runAsGroup !== undefined ? { runAsGroup: { value: security.runAsGroup } } : {}),
        ...(security?.supplementalGroups?.length ? { supplementalGroups: security.supplementalGroups } : {}),
        privileged,
      },
    },
  };
}
