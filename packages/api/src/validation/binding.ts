/** Binding (pods/binding) validation: the target must be a named Node. */
import { z } from "zod";
import { notSupported, required, type FieldError } from "@ktl/apimachinery";
import type { Binding } from "../gen/types.js";
import { ObjectMetaSchema } from "./meta.js";
import { opt, str } from "./schema.js";

export const BindingSchema = z.object({
  metadata: opt(ObjectMetaSchema),
  target: opt(
    z.object({
      kind: opt(str()),
      namespace: opt(str()),
      name: opt(str()),
      uid: opt(str()),
      apiVersion: opt(str()),
      resourceVersion: opt(str()),
      fieldPath: opt(str()),
    }),
  ),
});

export function validateBinding(b: Binding): FieldError[] {
  const errs: FieldError[] = [];
  const kind = b.target?.kind ?? "";
  if (kind !== "" && kind !== "Node") errs.push(notSupported("target.kind", kind, ["Node", "<empty>"]));
  if (!b.target?.name) errs.push(required("target.name"));
  return errs;
}
