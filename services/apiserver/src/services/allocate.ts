/**
 * Allocation for one Service write, on in-memory bitmaps: what to take, what
 * to give back, and Kubernetes' errors (pkg/registry/core/service/storage/
 * alloc.go) when a request cannot be met. The caller persists the bitmaps in
 * the same etcd transaction as the Service (allocator.ts).
 */
import type { Service } from "@ktl/api";
import { internalError, invalid, invalidValue, type FieldError } from "@ktl/apimachinery";
import type { AllocationBitmap, RandomInt } from "./bitmap.js";
import type { PortRange, ServiceIPRange } from "./ranges.js";
import {
  clusterIPList,
  heldClusterIPs,
  heldNodePorts,
  isHeadless,
  needsClusterIP,
  needsHealthCheck,
  needsNodePorts,
} from "./service-fields.js";

export interface ServiceRanges {
  readonly ips: ServiceIPRange;
  readonly ports: PortRange;
}

export interface Bitmaps {
  readonly ips: AllocationBitmap;
  readonly ports: AllocationBitmap;
}

/** Which bitmaps the write changed (and so must be written with it). */
export interface AllocationChanges {
  ips: boolean;
  ports: boolean;
}

const SERVICE = { group: "", kind: "Service" };

/**
 * Fills in `svc`'s cluster IPs, node ports and health-check node port from
 * the bitmaps (mutating both), and releases what `old` held that `svc` no
 * longer does. New values are taken before old ones are released, so a
 * value given back is never handed out again in the same write. Throws 422
 * for a requested value that is taken or outside its range, 500 when a
 * range is full.
 */
export function allocateService(
  svc: Service,
  old: Service | undefined,
  ranges: ServiceRanges,
  bitmaps: Bitmaps,
  random?: RandomInt,
): AllocationChanges {
  const changes: AllocationChanges = { ips: false, ports: false };
  const name = svc.metadata?.name ?? "";
  checkIPFamilies(svc, name);
  changes.ips = allocateClusterIPs(svc, old, ranges.ips, bitmaps.ips, random);
  changes.ports = allocateNodePorts(svc, old, ranges.ports, bitmaps.ports, random);
  if (old) {
    const keepIPs = new Set(heldClusterIPs(svc));
    for (const ip of heldClusterIPs(old)) {
      if (keepIPs.has(ip)) continue;
      const offset = ranges.ips.offsetOf(ip);
      if (offset !== undefined && bitmaps.ips.has(offset)) {
        bitmaps.ips.release(offset);
        changes.ips = true;
      }
    }
    const keepPorts = heldNodePorts(svc);
    for (const port of heldNodePorts(old)) {
      if (keepPorts.has(port)) continue;
      const offset = ranges.ports.offsetOf(port);
      if (offset !== undefined && bitmaps.ports.has(offset)) {
        bitmaps.ports.release(offset);
        changes.ports = true;
      }
    }
  }
  return changes;
}

/** Gives back everything `svc` holds (it is being deleted). */
export function releaseService(svc: Service, ranges: ServiceRanges, bitmaps: Bitmaps): AllocationChanges {
  const changes: AllocationChanges = { ips: false, ports: false };
  for (const ip of heldClusterIPs(svc)) {
    const offset = ranges.ips.offsetOf(ip);
    if (offset !== undefined && bitmaps.ips.has(offset)) {
      bitmaps.ips.release(offset);
      changes.ips = true;
    }
  }
  for (const port of heldNodePorts(svc)) {
    const offset = ranges.ports.offsetOf(port);
    if (offset !== undefined && bitmaps.ports.has(offset)) {
      bitmaps.ports.release(offset);
      changes.ports = true;
    }
  }
  return changes;
}

/** This cluster is single-stack IPv4: ask for IPv6 and you are told so, as Kubernetes words it. */
function checkIPFamilies(svc: Service, name: string): void {
  if (!needsClusterIP(svc)) return;
  const spec = svc.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.ipFamilyPolicy === "RequireDualStack") {
    errs.push(
      invalidValue(
        "spec.ipFamilyPolicy",
        spec.ipFamilyPolicy,
        "this cluster is not configured for dual-stack services",
      ),
    );
  }
  (spec.ipFamilies ?? []).forEach((family, i) => {
    if (family !== "IPv4")
      errs.push(invalidValue(`spec.ipFamilies[${i}]`, family, "not configured on this cluster"));
  });
  const ips = clusterIPList(svc);
  if (!isHeadless(svc)) {
    ips.forEach((ip, i) => {
      if (ip.includes(":")) {
        errs.push(invalidValue(`spec.clusterIPs[${i}]`, ips, "IPv6 is not configured on this cluster"));
      }
    });
  }
  if (errs.length > 0) throw invalid(SERVICE, name, errs);
}

function allocateClusterIPs(
  svc: Service,
  old: Service | undefined,
  range: ServiceIPRange,
  bitmap: AllocationBitmap,
  random: RandomInt | undefined,
): boolean {
  if (!needsClusterIP(svc) || isHeadless(svc)) return false;
  const spec = (svc.spec ??= {});
  const requested = clusterIPList(svc).filter((ip) => ip !== "");
  if (requested.length === 0) {
    const offset = bitmap.allocateNext(random);
    if (offset === undefined) throw internalError("failed to allocate a serviceIP: range is full");
    const ip = range.valueAt(offset);
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
    return true;
  }
  // Both fields tell the same story from here on (defaults copy clusterIP into clusterIPs).
  spec.clusterIP = requested[0];
  spec.clusterIPs = requested;
  const held = new Set(old ? heldClusterIPs(old) : []);
  let changed = false;
  for (const ip of requested) {
    if (held.has(ip)) continue;
    const offset = range.offsetOf(ip);
    const reason =
      offset === undefined
        ? `provided IP is not in the valid range. The range of valid IPs is ${range.text}`
        : bitmap.allocate(offset)
          ? undefined
          : "provided IP is already allocated";
    if (reason !== undefined) {
      throw invalid(SERVICE, svc.metadata?.name ?? "", [
        invalidValue("spec.clusterIPs", requested, `failed to allocate IP ${ip}: ${reason}`),
      ]);
    }
    changed = true;
  }
  return changed;
}

/**
 * Node ports per service port, as Kubernetes' initNodePorts/updateNodePorts:
 * requested ones are claimed (once, if several ports share a number), the
 * rest get one — shared between ports with the same port number (TCP and UDP
 * 53, say) — and a LoadBalancer with externalTrafficPolicy Local gets its
 * health-check port.
 */
function allocateNodePorts(
  svc: Service,
  old: Service | undefined,
  range: PortRange,
  bitmap: AllocationBitmap,
  random: RandomInt | undefined,
): boolean {
  const held = old ? heldNodePorts(old) : new Set<number>();
  const claimed = new Set<number>();
  let changed = false;
  const claim = (port: number): string | undefined => {
    if (held.has(port) || claimed.has(port)) return undefined;
    const offset = range.offsetOf(port);
    if (offset === undefined) {
      return `provided port is not in the valid range. The range of valid ports is ${range.text}`;
    }
    if (!bitmap.allocate(offset)) return "provided port is already allocated";
    claimed.add(port);
    changed = true;
    return undefined;
  };
  const next = (what: string): number => {
    const offset = bitmap.allocateNext(random);
    if (offset === undefined) throw internalError(`failed to allocate a ${what}: range is full`);
    changed = true;
    const port = range.valueAt(offset);
    claimed.add(port);
    return port;
  };
  if (needsNodePorts(svc)) {
    const ports = svc.spec?.ports ?? [];
    ports.forEach((port, i) => {
      if (!port.nodePort) return;
      const reason = claim(port.nodePort);
      if (reason !== undefined) {
        throw invalid(SERVICE, svc.metadata?.name ?? "", [
          invalidValue(`spec.ports[${i}].nodePort`, port.nodePort, reason),
        ]);
      }
    });
    for (const port of ports) {
      if (port.nodePort) continue;
      const sibling = ports.find((p) => p !== port && p.port === port.port && p.nodePort);
      port.nodePort = sibling?.nodePort ?? next("nodePort");
    }
  }
  const spec = svc.spec ?? {};
  if (needsHealthCheck(svc)) {
    if (spec.healthCheckNodePort) {
      const reason = claim(spec.healthCheckNodePort);
      if (reason !== undefined) {
        throw internalError(
          `failed to allocate requested HealthCheck NodePort ${spec.healthCheckNodePort}: ${reason}`,
        );
      }
    } else {
      spec.healthCheckNodePort = next("HealthCheck NodePort");
    }
  }
  return changed;
}
