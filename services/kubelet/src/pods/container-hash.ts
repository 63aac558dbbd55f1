import type { Container } from "@ktl/api";

/**
 * A hash of a container's spec, stored on the container so a changed spec
 * (say, a new image) is noticed and the container restarted
 * (kubecontainer.HashContainer). Resources are left out, as Kubernetes does
 * since in-place resize, and keys are sorted so the hash does not depend on
 * field order or on how an empty field is encoded: a restarted kubelet computes the same value and adopts the
 * container instead of restarting it.
 */
export function hashContainer(container: Readonly<Container>): string {
  const { resources: _resources, ...rest } = container;
  return fnv1a32(canonicalJson(rest)).toString(16);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => !isUnset(v))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Absent, null, [] and {} all mean "not set" (as in semanticEqual), so encodings that differ only there hash alike. */
function isUnset(v: unknown): boolean {
  if (v == null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === "object" && Object.keys(v).length === 0;
}

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  const bytes = Buffer.from(text, "utf8");
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
