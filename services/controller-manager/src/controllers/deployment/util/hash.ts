/**
 * The pod-template-hash (Kubernetes' `controller.ComputeHash`): a stable
 * name for a pod template, used in the names and selectors of a
 * Deployment's ReplicaSets. Kubernetes hashes a dump of the Go struct with
 * FNV-32a; we hash a canonical JSON form of the template with FNV-32a, so the
 * hash depends only on what the template says, not on key order or on how an
 * unset field was spelt (absent, null, [] or {}).
 */
import type { PodTemplateSpec } from "@ktl/api";
import type { DeepReadonly } from "@ktl/informers";

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a, 32 bits, continuing from `seed` (the offset basis by default). */
export function fnv32a(bytes: Uint8Array, seed = FNV_OFFSET): number {
  let hash = seed;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
}

/**
 * JSON with object keys sorted and unset values (undefined, null, empty
 * arrays and empty objects) left out, recursively: two templates that
 * `semanticEqual` calls equal have the same canonical form.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalize(value) ?? null);
}

function normalize(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    // Positions matter in a list: an unset element stays as null.
    return value.length === 0 ? undefined : value.map((v) => normalize(v) ?? null);
  }
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = normalize((value as Record<string, unknown>)[key]);
      if (v !== undefined) out[key] = v;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value;
}

/** `rand.SafeEncodeString`'s alphabet: no vowels (no words) and no 0/1/3 (no look-alikes). */
const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

/** Maps every character to the safe alphabet, as Kubernetes does with the decimal hash. */
export function safeEncodeString(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length] ?? "";
  return out;
}

const encoder = new TextEncoder();

/**
 * The hash of `template`. A `collisionCount` (the Deployment's
 * `status.collisionCount`) is fed in after the template, as four
 * little-endian bytes, so bumping it gives a new name when the old one is
 * taken by a ReplicaSet with another template. Unset and 0 differ, as in
 * Kubernetes, so hashes stay put when a collision count first appears.
 */
export function computeHash(
  template: DeepReadonly<PodTemplateSpec> | undefined,
  collisionCount?: number,
): string {
  let hash = fnv32a(encoder.encode(canonicalJson(template)));
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = fnv32a(bytes, hash);
  }
  return safeEncodeString(String(hash));
}
