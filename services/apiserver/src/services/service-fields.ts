/**
 * What a Service holds from the ranges, and how an update carries allocated
 * values over — Kubernetes' NormalizeClusterIPs, patchAllocatedValues and
 * dropTypeDependentFields (pkg/registry/core/service). Pure functions on the
 * JSON shape.
 */
import { isDeepStrictEqual } from "node:util";
import { isExternallyAccessible, type Service, type ServiceSpec } from "@ktl/api";

/** Every type but ExternalName has a cluster IP (or is headless). */
export function needsClusterIP(svc: Service): boolean {
  return (svc.spec?.type ?? "ClusterIP") !== "ExternalName";
}

export function needsNodePorts(svc: Service): boolean {
  const type = svc.spec?.type;
  return type === "NodePort" || type === "LoadBalancer";
}

/** A LoadBalancer that keeps traffic on the receiving node gets a health-check node port. */
export function needsHealthCheck(svc: Service): boolean {
  return svc.spec?.type === "LoadBalancer" && svc.spec.externalTrafficPolicy === "Local";
}

/** clusterIPs, or the v1 clusterIP when only that was given. */
export function clusterIPList(svc: Service): string[] {
  const spec = svc.spec ?? {};
  if ((spec.clusterIPs ?? []).length > 0) return [...(spec.clusterIPs ?? [])];
  return spec.clusterIP ? [spec.clusterIP] : [];
}

export function isHeadless(svc: Service): boolean {
  return clusterIPList(svc)[0] === "None";
}

/** The cluster IPs this Service holds in the IP range. */
export function heldClusterIPs(svc: Service): string[] {
  if (!needsClusterIP(svc) || isHeadless(svc)) return [];
  return clusterIPList(svc).filter((ip) => ip !== "");
}

/** The node ports this Service holds: its ports' and its health check's. */
export function heldNodePorts(svc: Service): Set<number> {
  const held = new Set<number>();
  if (needsNodePorts(svc)) {
    for (const port of svc.spec?.ports ?? []) if (port.nodePort) held.add(port.nodePort);
  }
  if (needsHealthCheck(svc) && svc.spec?.healthCheckNodePort) held.add(svc.spec.healthCheckNodePort);
  return held;
}

/**
 * Whether writing `next` over `old` (undefined: a create; or a delete, with
 * `next` undefined) takes or gives back anything in the ranges. Writes that
 * do not skip the allocator.
 */
export function touchesRanges(next: Service | undefined, old: Service | undefined): boolean {
  if (!next) return old !== undefined && (heldClusterIPs(old).length > 0 || heldNodePorts(old).size > 0);
  if (needsClusterIP(next) && !isHeadless(next) && heldClusterIPs(next).length === 0) return true;
  if (needsNodePorts(next) && (next.spec?.ports ?? []).some((p) => !p.nodePort)) return true;
  if (needsHealthCheck(next) && !next.spec?.healthCheckNodePort) return true;
  const before = old ?? {};
  return (
    !isDeepStrictEqual(heldClusterIPs(next), heldClusterIPs(before)) ||
    !isDeepStrictEqual([...heldNodePorts(next)].sort(), [...heldNodePorts(before)].sort())
  );
}

/**
 * The Service strategy's PrepareForUpdate: a client that sends the object
 * back without the allocated values (an older client, `kubectl apply` of a
 * manifest without them) keeps them; a type change that no longer needs
 * them drops them, when the client left them as they were, so the allocator
 * releases them.
 */
export function prepareServiceUpdate(svc: Service, old: Service): void {
  svc.spec ??= {};
  const spec = svc.spec;
  const before: ServiceSpec = old.spec ?? {};
  normalizeClusterIPs(spec, before);
  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if (!spec.clusterIP && before.clusterIP) spec.clusterIP = before.clusterIP;
    if ((spec.clusterIPs ?? []).length === 0 && (before.clusterIPs ?? []).length > 0) {
      spec.clusterIPs = [...(before.clusterIPs ?? [])];
    }
  }
  if (needsNodePorts(old) && needsNodePorts(svc)) patchNodePorts(spec, before);
  if (needsHealthCheck(old) && needsHealthCheck(svc) && !spec.healthCheckNodePort) {
    if (before.healthCheckNodePort) spec.healthCheckNodePort = before.healthCheckNodePort;
  }
  // Dropping what the new type does not use, unless the client changed it (then validation speaks).
  if (needsClusterIP(old) && !needsClusterIP(svc)) {
    if (isDeepStrictEqual(clusterIPList(svc), clusterIPList(old))) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (isDeepStrictEqual(spec.ipFamilies, before.ipFamilies)) delete spec.ipFamilies;
    if (spec.ipFamilyPolicy === before.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  if (needsNodePorts(old) && !needsNodePorts(svc)) {
    const same = isDeepStrictEqual(
      (spec.ports ?? []).map((p) => p.nodePort ?? 0),
      (before.ports ?? []).map((p) => p.nodePort ?? 0),
    );
    if (same) for (const port of spec.ports ?? []) delete port.nodePort;
  }
  if (needsHealthCheck(old) && !needsHealthCheck(svc)) {
    if (spec.healthCheckNodePort === before.healthCheckNodePort) delete spec.healthCheckNodePort;
  }
  if (isExternallyAccessible(old) && !isExternallyAccessible(svc)) {
    if (spec.externalTrafficPolicy === before.externalTrafficPolicy) delete spec.externalTrafficPolicy;
  }
}

/** Keeps clusterIP and clusterIPs telling the same story when a client changed only one. */
function normalizeClusterIPs(spec: ServiceSpec, before: ServiceSpec): void {
  const oldIPs = before.clusterIPs ?? [];
  // An older client cleared clusterIPs but kept clusterIP: it meant no change.
  if (oldIPs.length > 0 && (spec.clusterIPs ?? []).length === 0 && spec.clusterIP === before.clusterIP) {
    spec.clusterIPs = [...oldIPs];
  }
  if ((spec.clusterIP ?? "") === (before.clusterIP ?? "")) return;
  // Clearing clusterIP alone clears both.
  if (before.clusterIP && !spec.clusterIP && isDeepStrictEqual(spec.clusterIPs, before.clusterIPs)) {
    delete spec.clusterIPs;
    return;
  }
  // Changing clusterIP alone changes both, so the immutability check sees it.
  if (spec.clusterIPs?.length === 1 && oldIPs.length === 1 && oldIPs[0] === before.clusterIP) {
    spec.clusterIPs = [spec.clusterIP ?? ""];
  }
}

/** A port sent back without its node port keeps the one it had (matched by name), unless another port took it. */
function patchNodePorts(spec: ServiceSpec, before: ServiceSpec): void {
  const used = new Set<number>();
  const oldPorts = new Set((before.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n !== 0));
  for (const port of spec.ports ?? [])
    if (port.nodePort && oldPorts.has(port.nodePort)) used.add(port.nodePort);
  const byName = new Map((before.ports ?? []).map((p) => [p.name ?? "", p.nodePort ?? 0]));
  for (const port of spec.ports ?? []) {
    if (port.nodePort) continue;
    const previous = byName.get(port.name ?? "") ?? 0;
    if (previous !== 0 && !used.has(previous)) port.nodePort = previous;
  }
}
