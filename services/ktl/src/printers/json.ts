/**
 * `-o json` as kubectl writes it (Go's json.MarshalIndent): keys in byte
 * order, four-space indent, and <, >, & escaped as Go escapes them.
 */
import { sortKeys } from "./sort-keys.js";

export function toJson(value: unknown): string {
  return jsonAsIs(sortKeys(value, "json"));
}

/** Like toJson, keeping the key order given (for kubectl's typed wrappers such as apply's List). */
export function jsonAsIs(value: unknown): string {
  const text = JSON.stringify(value, null, 4) ?? "null";
  // Outside strings JSON never holds these characters, so replacing is safe.
  return (
    text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`) + "\n"
  );
}
