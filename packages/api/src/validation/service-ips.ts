/**
 * A Service's cluster IPs and IP families. `clusterIP` is the v1 field and
 * `clusterIPs` its dual-stack successor; clients often set only the first,
 * so both are read as one list, reported under `spec.clusterIPs` as
 * Kubernetes does after syncing them.
 */
import { duplicate, invalidValue, notSupported, type FieldError } from "@ktl/apimachinery";
import type { Service } from "../gen/types.js";
import { IP_ERROR, isIPv6, isValidIP } from "./formats.js";
import { child, index } from "./path.js";

const CLUSTER_IPS = child("spec", "clusterIPs");
const IP_FAMILIES = ["IPv4", "IPv6"];
const IP_FAMILY_POLICIES = ["PreferDualStack", "RequireDualStack", "SingleStack"];

export function clusterIPsOf(svc: Service): string[] {
  const spec = svc.spec ?? {};
  if ((spec.clusterIPs ?? []).length > 0) return spec.clusterIPs ?? [];
  return spec.clusterIP ? [spec.clusterIP] : [];
}

export function isHeadless(svc: Service): boolean {
  const ips = clusterIPsOf(svc);
  return ips.length === 1 && ips[0] === "None";
}

export function validateClusterIPs(svc: Service): FieldError[] {
  const spec = svc.spec ?? {};
  // ExternalName services have no cluster IP; their own checks forbid setting one.
  if (spec.type === "ExternalName") return [];
  const errs: FieldError[] = [];
  const ips = clusterIPsOf(svc);
  if (spec.clusterIP && (spec.clusterIPs ?? []).length > 0 && ips[0] !== spec.clusterIP) {
    errs.push(invalidValue(CLUSTER_IPS, ips, "first value must match `clusterIP`"));
  }
  const families = spec.ipFamilies ?? [];
  const seen = new Set<string>();
  families.forEach((family, i) => {
    if (!IP_FAMILIES.includes(family))
      errs.push(notSupported(index(child("spec", "ipFamilies"), i), family, IP_FAMILIES));
    if (seen.has(family)) errs.push(duplicate(index(child("spec", "ipFamilies"), i), family));
    seen.add(family);
  });
  if (spec.ipFamilyPolicy != null && !IP_FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    errs.push(notSupported(child("spec", "ipFamilyPolicy"), spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }
  let invalidIPs = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === "None") {
      if (ips.length > 1) {
        invalidIPs = true;
        errs.push(invalidValue(CLUSTER_IPS, ips, "'None' must be the first and only value"));
      }
      return;
    }
    if (!isValidIP(ip)) {
      invalidIPs = true;
      errs.push(invalidValue(index(CLUSTER_IPS, i), ip, IP_ERROR));
    }
  });
  if (ips.length > 2) errs.push(invalidValue(CLUSTER_IPS, ips, "may only hold up to 2 values"));
  // Further checks would only restate the bad IPs in other words.
  if (invalidIPs) return errs;
  if (ips.length > 1 && isIPv6(ips[0] ?? "") === isIPv6(ips[1] ?? "")) {
    errs.push(invalidValue(CLUSTER_IPS, ips, "may specify no more than one IP for each IP family"));
  }
  if (!isHeadless(svc)) {
    ips.forEach((ip, i) => {
      const family = families[i];
      if (family === "IPv4" && isIPv6(ip)) {
        errs.push(
          invalidValue(
            index(CLUSTER_IPS, i),
            ip,
            `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``,
          ),
        );
      }
      if (family === "IPv6" && !isIPv6(ip)) {
        errs.push(
          invalidValue(
            index(CLUSTER_IPS, i),
            ip,
            `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``,
          ),
        );
      }
    });
  }
  return errs;
}

/**
 * Allocated cluster IPs never change. A new object without them is taken as
 * "keep what was allocated", which the server fills in from the stored one.
 */
export function validateClusterIPsUpdate(svc: Service, old: Service): FieldError[] {
  if (svc.spec?.type === "ExternalName" || old.spec?.type === "ExternalName") return [];
  if (isHeadless(svc) && isHeadless(old)) return [];
  const now = clusterIPsOf(svc);
  const before = clusterIPsOf(old);
  if (now.length === 0) return [];
  const errs: FieldError[] = [];
  before.forEach((ip, i) => {
    // Same-length lists compare every entry; otherwise only the primary is fixed.
    const compared = now.length === before.length || i === 0;
    if (compared && i < now.length && now[i] !== ip) {
      errs.push(invalidValue(index(CLUSTER_IPS, i), now, "may not change once set"));
    }
  });
  return errs;
}
