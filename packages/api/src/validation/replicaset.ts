/** ReplicaSet validation, after pkg/apis/apps/validation. */
import { z } from "zod";
import { invalidValue, type FieldError } from "@ktl/apimachinery";
import type { ReplicaSet } from "../gen/types.js";
import { semanticEqual } from "./equal.js";
import { FIELD_IMMUTABLE_ERROR } from "./formats.js";
import {
  ObjectMetaSchema,
  nameIsDNSSubdomain,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "./meta.js";
import { child } from "./path.js";
import { validateSelectorAndTemplate, workloadSpecShape } from "./pod-template.js";
import { anyObject, nonNegative, opt } from "./schema.js";

export const ReplicaSetSchema = z.object({
  metadata: opt(ObjectMetaSchema),
  spec: z.preprocess(
    (v) => v ?? {},
    z.object({ ...workloadSpecShape, replicas: opt(nonNegative()), minReadySeconds: opt(nonNegative()) }),
  ),
  status: opt(anyObject()),
});

export function validateReplicaSet(rs: ReplicaSet): FieldError[] {
  const spec = rs.spec ?? {};
  const errs = validateObjectMeta(rs.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  return [...errs, ...validateSelectorAndTemplate(spec.selector, spec.template, "spec")];
}

/** As for Deployments, apps/v1 makes the selector immutable so pods are never orphaned. */
export function validateReplicaSetUpdate(rs: ReplicaSet, old: ReplicaSet): FieldError[] {
  const errs = validateObjectMetaUpdate(rs.metadata, old.metadata);
  if (!semanticEqual(rs.spec?.selector, old.spec?.selector)) {
    errs.push(invalidValue(child("spec", "selector"), rs.spec?.selector, FIELD_IMMUTABLE_ERROR));
  }
  return [...errs, ...validateReplicaSet(rs)];
}
