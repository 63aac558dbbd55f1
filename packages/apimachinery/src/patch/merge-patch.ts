/**
 * RFC 7386 JSON Merge Patch (`application/merge-patch+json`): objects merge
 * recursively, `null` deletes a key, everything else (arrays included) replaces.
 */
import type { JsonObject, JsonValue } from "./json.js";
import { cloneJson, getOwn, isJsonObject, setOwn } from "./json.js";

/** Returns `original` with `patch` merged in; neither argument is mutated. */
export function applyMergePatch(original: unknown, patch: unknown): JsonValue {
  return mergeInto(cloneJson(original) as JsonValue | undefined, patch as JsonValue);
}

/** `target` is a private copy and may be mutated; `patch` must not be. */
function mergeInto(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return cloneJson(patch);
  // A non-object target is replaced by an object, per the RFC's MergePatch pseudo code.
  const result: JsonObject = isJsonObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      setOwn(result, key, mergeInto(getOwn(result, key), value));
    }
  }
  return result;
}
