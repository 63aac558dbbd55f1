/**
 * Semantic equality of JSON values, in the spirit of Kubernetes'
 * equality.Semantic: an absent field, `null`, and an empty list or map are all
 * "not set", so clients that omit a field, send `null` or send `[]` are
 * treated alike. Used for immutability checks and to skip no-op writes.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isUnset(a) || isUnset(b)) return isUnset(a) && isUnset(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((v, i) => semanticEqual(v, b[i]))
    );
  }
  if (typeof a === "object" && typeof b === "object") {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
    return [...keys].every((k) => semanticEqual(ra[k], rb[k]));
  }
  return a === b;
}

function isUnset(v: unknown): boolean {
  if (v == null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === "object" && Object.keys(v).length === 0;
}
