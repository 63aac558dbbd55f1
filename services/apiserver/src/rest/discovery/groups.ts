/** The group/versions and resources served, read off the RESOURCES table. */
import { createHash } from "node:crypto";
import { RESOURCES, apiVersionOf, type ResourceInfo } from "@ktl/api";

export interface GroupVersion {
  readonly group: string;
  readonly version: string;
}

/** Every served group/version, core first, in the order RESOURCES lists them. */
export function servedGroupVersions(): GroupVersion[] {
  const seen = new Map<string, GroupVersion>();
  for (const r of RESOURCES) {
    const key = apiVersionOf(r);
    if (!seen.has(key)) seen.set(key, { group: r.group, version: r.version });
  }
  return [...seen.values()].sort((a, b) => Number(a.group !== "") - Number(b.group !== ""));
}

/** The named API groups (everything but core) with their versions, for `/apis`. */
export function namedGroups(): { name: string; versions: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const gv of servedGroupVersions()) {
    if (gv.group === "") continue;
    const versions = groups.get(gv.group) ?? [];
    versions.push(gv.version);
    groups.set(gv.group, versions);
  }
  return [...groups].map(([name, versions]) => ({ name, versions }));
}

/** A group/version's resources, sorted by name as Kubernetes lists them. */
export function resourcesIn(group: string, version: string): ResourceInfo[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version).sort((a, b) =>
    a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0,
  );
}

/**
 * Kubernetes' storageVersionHash: base64 of the first 8 bytes of
 * sha256("<group>/<version>/<kind>") of the storage version, so the values
 * match a real cluster's (pods: "xPOwRZ+Yhw8=").
 */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash("sha256")
    .update(`${group}/${version}/${kind}`)
    .digest()
    .subarray(0, 8)
    .toString("base64");
}
