/** Service defaults, after pkg/apis/core/v1/defaults.go and the service registry. */
import type { Service } from "../gen/types.js";

/** Three hours, Kubernetes' default ClientIP affinity timeout. */
export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;

export function defaultService(svc: Service): void {
  svc.spec ??= {};
  const spec = svc.spec;
  if (!spec.sessionAffinity) spec.sessionAffinity = "None";
  if (spec.sessionAffinity === "None") delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === "ClientIP" && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds == null) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
  }
  if (!spec.type) spec.type = "ClusterIP";
  for (const port of spec.ports ?? []) {
    if (!port.protocol) port.protocol = "TCP";
    if (port.targetPort == null || port.targetPort === 0 || port.targetPort === "")
      port.targetPort = port.port;
  }
  if (isExternallyAccessible(svc) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = "Cluster";
  if (spec.type === "ExternalName") return;
  spec.internalTrafficPolicy ??= "Cluster";
  // Kubernetes' allocator picks families; this cluster is single-stack IPv4.
  if (spec.ipFamilies == null || spec.ipFamilies.length === 0) spec.ipFamilies = ["IPv4"];
  spec.ipFamilyPolicy ??= "SingleStack";
  // clusterIPs mirrors clusterIP, so clients that set only the v1 field still read both.
  if (spec.clusterIP && (spec.clusterIPs == null || spec.clusterIPs.length === 0)) {
    spec.clusterIPs = [spec.clusterIP];
  }
}

/** Reachable from outside the cluster: NodePort, LoadBalancer, or ClusterIP with externalIPs. */
export function isExternallyAccessible(svc: Service): boolean {
  const type = svc.spec?.type;
  return (
    type === "LoadBalancer" ||
    type === "NodePort" ||
    (type === "ClusterIP" && (svc.spec?.externalIPs?.length ?? 0) > 0)
  );
}
