import type { ResourceInfo, Scale } from "@ktl/api";
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  kubernetesPatchMeta,
  unsupportedMediaType,
} from "@ktl/apimachinery";
import type { KubeObject } from "../storage/object.js";
import type { Reads } from "./reads.js";
import type { Registry, WriteOptions } from "./registry.js";
import { toScale, updateScale } from "./subresources.js";

export const PATCH_TYPES = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
] as const;

export type PatchType = (typeof PATCH_TYPES)[number];

export function isPatchType(value: string): value is PatchType {
  return (PATCH_TYPES as readonly string[]).includes(value);
}

function applyPatch(patchType: PatchType, current: unknown, patch: unknown): unknown {
  if (patchType === "application/json-patch+json") return applyJsonPatch(current, patch);
  if (patchType === "application/merge-patch+json") return applyMergePatch(current, patch);
  return applyStrategicMergePatch(current, patch, kubernetesPatchMeta);
}

export interface PatchRequest {
  readonly info: ResourceInfo;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly subresource?: string;
  readonly patchType: string;
  /** The parsed patch document. */
  readonly patch: unknown;
  readonly options: WriteOptions;
}

/**
 * PATCH for both front doors: the patch is applied to the current object and
 * the result goes through the same checks as an update, re-applied on a newer
 * object when a concurrent write wins (as Kubernetes retries patches).
 */
export async function patchObject(
  registry: Registry,
  reads: Reads,
  request: PatchRequest,
): Promise<KubeObject | Scale> {
  const { info, namespace, name, subresource, patch, options } = request;
  if (!isPatchType(request.patchType)) throw unsupportedMediaType(request.patchType, PATCH_TYPES);
  const patchType = request.patchType;
  if (subresource === "scale") {
    const current = toScale(await reads.get(info, namespace, name));
    return updateScale(
      registry,
      info,
      namespace,
      name,
      applyPatch(patchType, current, patch) as Scale,
      options,
    );
  }
  return registry.guaranteedUpdate(info, namespace, name, options, (current) => {
    // The patch functions never mutate their input.
    const patched = applyPatch(patchType, current.obj, patch);
    const obj = registry.checkBody(info, patched, options.fieldValidation, "patch");
    // A resourceVersion or uid in the patch is a precondition, as in Kubernetes.
    registry.checkIdentity(info, name, obj, current.obj);
    return registry.prepareUpdate(info, obj, current.obj, subresource === "status" ? "status" : undefined);
  });
}
