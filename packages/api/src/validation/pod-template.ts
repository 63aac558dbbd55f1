/**
 * Pod templates inside Deployments and ReplicaSets: the template's labels
 * must be selected by the controller's selector, and its pods must restart.
 */
import { z } from "zod";
import {
  forbiddenField,
  invalidValue,
  notSupported,
  required,
  selectorFromLabelSelector,
  type FieldError,
  type LabelSelector as Selector,
} from "@ktl/apimachinery";
import type { LabelSelector, PodTemplateSpec } from "../gen/types.js";
import { isEmptySelector, validateLabels, validateLabelSelector, LabelSelectorSchema } from "./labels.js";
import { ObjectMetaSchema, validateAnnotations } from "./meta.js";
import { child } from "./path.js";
import { PodSpecSchema, validatePodSpec } from "./pod-spec.js";
import { opt } from "./schema.js";

/** A missing template or spec is checked as an empty one, so each required field is named. */
export const PodTemplateSpecSchema = z.preprocess(
  (v) => v ?? {},
  z.object({
    metadata: opt(ObjectMetaSchema),
    spec: z.preprocess((v) => v ?? {}, PodSpecSchema),
  }),
);

/** Schema entries shared by the Deployment and ReplicaSet specs. */
export const workloadSpecShape = {
  selector: opt(LabelSelectorSchema),
  template: PodTemplateSpecSchema,
};

/** Selector and template rules shared by Deployment and ReplicaSet. */
export function validateSelectorAndTemplate(
  selector: LabelSelector | undefined | null,
  template: PodTemplateSpec | undefined | null,
  specPath: string,
): FieldError[] {
  const selectorPath = child(specPath, "selector");
  const errs: FieldError[] = [];
  if (selector == null) errs.push(required(selectorPath));
  else {
    errs.push(...validateLabelSelector(selector, selectorPath));
    if (isEmptySelector(selector))
      errs.push(invalidValue(selectorPath, selector, "empty selector is invalid for deployment"));
  }
  let compiled: Selector;
  try {
    // As metav1.LabelSelectorAsSelector: a missing selector selects nothing, an empty one everything.
    compiled = selectorFromLabelSelector(selector);
  } catch {
    // Kubernetes cannot check the template against a selector it cannot build, so it skips the template.
    return [...errs, invalidValue(selectorPath, selector, "invalid label selector")];
  }
  return [...errs, ...validateTemplateForReplicaSet(template ?? {}, compiled, child(specPath, "template"))];
}

function validateTemplateForReplicaSet(
  template: PodTemplateSpec,
  selector: Selector,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const labels = template.metadata?.labels ?? {};
  if (!selector.empty() && !selector.matches(labels)) {
    errs.push(
      invalidValue(child(path, "metadata", "labels"), labels, "`selector` does not match template `labels`"),
    );
  }
  errs.push(...validatePodTemplateSpec(template, path));
  const spec = template.spec ?? {};
  // Controllers recreate pods that exit; a pod that is meant to stop does not belong here.
  if (spec.restartPolicy !== "Always") {
    errs.push(notSupported(child(path, "spec", "restartPolicy"), spec.restartPolicy ?? "", ["Always"]));
  }
  if (spec.activeDeadlineSeconds != null) {
    errs.push(
      forbiddenField(
        child(path, "spec", "activeDeadlineSeconds"),
        "activeDeadlineSeconds in ReplicaSet is not Supported",
      ),
    );
  }
  return errs;
}

/** Kubernetes reports template label errors at `template.labels`, not `template.metadata.labels`. */
export function validatePodTemplateSpec(template: PodTemplateSpec, path: string): FieldError[] {
  return [
    ...validateLabels(template.metadata?.labels, child(path, "labels")),
    ...validateAnnotations(template.metadata?.annotations, child(path, "annotations")),
    ...validatePodSpec(template.spec ?? {}, child(path, "spec"), { isPod: false }),
  ];
}
