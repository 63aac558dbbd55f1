/** Namespace validation: a DNS label name and finalizers Kubernetes understands. */
import { z } from "zod";
import { invalidValue, isQualifiedName, type FieldError } from "@ktl/apimachinery";
import type { Namespace } from "../gen/types.js";
import {
  ObjectMetaSchema,
  nameIsDNSLabel,
  validateKubeFinalizerName,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "./meta.js";
import { child } from "./path.js";
import { anyObject, opt, strings } from "./schema.js";

export const NamespaceSchema = z.object({
  metadata: opt(ObjectMetaSchema),
  spec: opt(z.object({ finalizers: opt(strings()) })),
  status: opt(anyObject()),
});

export function validateNamespace(ns: Namespace): FieldError[] {
  const errs = validateObjectMeta(ns.metadata, { namespaced: false, nameFn: nameIsDNSLabel });
  // Kubernetes names the list, not the entry, for spec finalizers.
  const path = child("spec", "finalizers");
  for (const f of ns.spec?.finalizers ?? []) {
    errs.push(...isQualifiedName(f).map((msg) => invalidValue(path, f, msg)));
    errs.push(...validateKubeFinalizerName(f, path));
  }
  return errs;
}

/** Only metadata may change through an update; spec.finalizers go through the finalize subresource. */
export function validateNamespaceUpdate(ns: Namespace, old: Namespace): FieldError[] {
  return validateObjectMetaUpdate(ns.metadata, old.metadata);
}
