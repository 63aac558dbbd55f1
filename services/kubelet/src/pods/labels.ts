/**
 * The labels and annotations the kubelet puts on sandboxes and containers,
 * with Kubernetes' keys (pkg/kubelet/kuberuntime/labels.go), so that what
 * runs can be matched to pods again after a kubelet restart, and tools that
 * know Kubernetes' conventions (crictl) read them as usual.
 */
export const POD_NAME_LABEL = "io.kubernetes.pod.name";
export const POD_NAMESPACE_LABEL = "io.kubernetes.pod.namespace";
export const POD_UID_LABEL = "io.kubernetes.pod.uid";
export const CONTAINER_NAME_LABEL = "io.kubernetes.container.name";
/**
 * ktl's own: the node whose kubelet made the object. The kubelet only
 * considers (and kills as orphans) what carries its node's name, so kubelets
 * that share a container runtime leave each other's pods alone.
 */
export const NODE_NAME_LABEL = "ktl.io/node-name";

export const CONTAINER_HASH_ANNOTATION = "io.kubernetes.container.hash";
export const RESTART_COUNT_ANNOTATION = "io.kubernetes.container.restartCount";
export const TERMINATION_MESSAGE_PATH_ANNOTATION = "io.kubernetes.container.terminationMessagePath";
export const TERMINATION_MESSAGE_POLICY_ANNOTATION = "io.kubernetes.container.terminationMessagePolicy";
export const TERMINATION_GRACE_ANNOTATION = "io.kubernetes.pod.terminationGracePeriod";
export const DELETION_GRACE_ANNOTATION = "io.kubernetes.pod.deletionGracePeriod";
export const CONTAINER_PORTS_ANNOTATION = "io.kubernetes.container.ports";

/** What identifies a pod in the runtime. */
export interface PodIdentity {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
}

/** The identity labels of a pod's sandboxes and containers, on node `nodeName`. */
export function podLabels(pod: PodIdentity, nodeName: string): Record<string, string> {
  return {
    [POD_NAME_LABEL]: pod.name,
    [POD_NAMESPACE_LABEL]: pod.namespace,
    [POD_UID_LABEL]: pod.uid,
    [NODE_NAME_LABEL]: nodeName,
  };
}

/** The pod a runtime object belongs to, or undefined for objects the kubelet did not make. */
export function podIdentityOf(labels: Readonly<Record<string, string>> | undefined): PodIdentity | undefined {
  const uid = labels?.[POD_UID_LABEL];
  if (!uid) return undefined;
  return { uid, name: labels[POD_NAME_LABEL] ?? "", namespace: labels[POD_NAMESPACE_LABEL] ?? "" };
}
