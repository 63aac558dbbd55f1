/** Pod validation: create, and the narrow set of changes an update may make. */
import { z } from "zod";
import {
  forbiddenField,
  inclusiveRangeError,
  invalidValue,
  required,
  type FieldError,
} from "@ktl/apimachinery";
import type { Container, Pod, PodSpec, Toleration } from "../gen/types.js";
import { semanticEqual } from "./equal.js";
import { MAX_INT32 } from "./formats.js";
import {
  ObjectMetaSchema,
  nameIsDNSSubdomain,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "./meta.js";
import { child, index } from "./path.js";
import { PodSpecSchema, validatePodSpec } from "./pod-spec.js";
import { anyObject, opt } from "./schema.js";
import { validateTolerations } from "./scheduling.js";

export const PodSchema = z.object({
  metadata: opt(ObjectMetaSchema),
  spec: z.preprocess((v) => v ?? {}, PodSpecSchema),
  status: opt(anyObject()),
});

const UPDATABLE_POD_SPEC_FIELDS = [
  "`spec.containers[*].image`",
  "`spec.initContainers[*].image`",
  "`spec.activeDeadlineSeconds`",
  "`spec.tolerations` (only additions to existing tolerations)",
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
];

export function validatePod(pod: Pod): FieldError[] {
  const spec = pod.spec ?? {};
  const errs = validateObjectMeta(pod.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  errs.push(...validatePodSpec(spec, "spec", { isPod: true }));
  // Only pods, not templates: templates predate this check and must stay accepted.
  for (const list of ["containers", "initContainers"] as const) {
    (spec[list] ?? []).forEach((c, i) => {
      const image = c.image ?? "";
      if (image !== image.trim()) {
        errs.push(
          invalidValue(
            child(index(child("spec", list), i), "image"),
            image,
            "must not have leading or trailing whitespace",
          ),
        );
      }
    });
  }
  return errs;
}

/**
 * A running pod's spec is fixed except container images, a shrinking
 * activeDeadlineSeconds and added tolerations; the scheduler sets nodeName
 * through the binding subresource, not through an update.
 */
export function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  errs.push(...validatePod(pod));
  const spec = pod.spec ?? {};
  const oldSpec = old.spec ?? {};
  for (const list of ["containers", "initContainers"] as const) {
    const now = spec[list] ?? [];
    if (now.length !== (oldSpec[list] ?? []).length) {
      return [...errs, forbiddenField(child("spec", list), "pod updates may not add or remove containers")];
    }
    now.forEach((c, i) => {
      if (!c.image) errs.push(required(child(index(child("spec", list), i), "image")));
    });
  }
  const deadlineErrs = validateDeadlineUpdate(spec.activeDeadlineSeconds, oldSpec.activeDeadlineSeconds);
  if (deadlineErrs.length > 0) return [...errs, ...deadlineErrs];
  errs.push(...validateOnlyAddedTolerations(spec.tolerations ?? [], oldSpec.tolerations ?? []));
  if (!semanticEqual(mungeUpdatable(spec, oldSpec), oldSpec)) {
    errs.push(
      forbiddenField(
        "spec",
        `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(",")}`,
      ),
    );
  }
  return errs;
}

/** The deadline may be added, or lowered, never raised or removed. */
function validateDeadlineUpdate(now: number | undefined, before: number | undefined): FieldError[] {
  const path = child("spec", "activeDeadlineSeconds");
  if (now == null) {
    return before == null
      ? []
      : [invalidValue(path, now, "must not update from a positive integer to nil value")];
  }
  if (now < 0 || now > MAX_INT32) return [invalidValue(path, now, inclusiveRangeError(0, MAX_INT32))];
  if (before != null && before < now)
    return [invalidValue(path, now, "must be less than or equal to previous value")];
  return [];
}

function validateOnlyAddedTolerations(now: Toleration[], before: Toleration[]): FieldError[] {
  const path = child("spec", "tolerations");
  for (const old of before) {
    // Only tolerationSeconds of an existing toleration may change.
    const kept = now.some((t) => semanticEqual({ ...old, tolerationSeconds: t.tolerationSeconds }, t));
    if (!kept)
      return [forbiddenField(path, "existing toleration can not be modified except its tolerationSeconds")];
  }
  return validateTolerations(now, path);
}

/** The new spec with its updatable fields put back to their old values. */
function mungeUpdatable(spec: PodSpec, old: PodSpec): PodSpec {
  const withOldImages = (
    list: Container[] | undefined,
    oldList: Container[] | undefined,
  ): Container[] | undefined => list?.map((c, i) => ({ ...c, image: oldList?.[i]?.image }));
  const munged: PodSpec = {
    ...spec,
    containers: withOldImages(spec.containers, old.containers),
    initContainers: withOldImages(spec.initContainers, old.initContainers),
    activeDeadlineSeconds: old.activeDeadlineSeconds,
    tolerations: old.tolerations,
  };
  const grace = old.terminationGracePeriodSeconds;
  if (grace != null && grace < 0 && munged.terminationGracePeriodSeconds === 1)
    munged.terminationGracePeriodSeconds = grace;
  return munged;
}
