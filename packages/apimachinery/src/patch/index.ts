/**
 * The three PATCH formats the API server accepts, applied to plain JSON objects:
 * - `application/json-patch+json`: RFC 6902 JSON Patch (applyJsonPatch)
 * - `application/merge-patch+json`: RFC 7386 JSON Merge Patch (applyMergePatch)
 * - `application/strategic-merge-patch+json`: Kubernetes strategic merge patch
 *   (applyStrategicMergePatch with kubernetesPatchMeta for the built-in kinds)
 * All of them return a new value and throw PatchError when the patch cannot apply.
 */
export { PatchError } from "./errors.js";
export type { JsonObject, JsonPrimitive, JsonValue } from "./json.js";
export { applyJsonPatch, parseJsonPointer } from "./json-patch.js";
export type { JsonPatchOperation } from "./json-patch.js";
export { applyMergePatch } from "./merge-patch.js";
export { applyStrategicMergePatch, kubernetesPatchMeta } from "./strategic-merge-patch.js";
export type { FieldPatchMeta, PatchMeta, PatchStrategy } from "./strategic-merge-patch.js";
