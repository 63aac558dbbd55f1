/** Deployment validation, after pkg/apis/apps/validation. */
import { z } from "zod";
import { forbiddenField, invalidValue, notSupported, required, type FieldError } from "@ktl/apimachinery";
import type { Deployment, IntOrString, RollingUpdateDeployment } from "../gen/types.js";
import { FIELD_IMMUTABLE_ERROR, IS_NEGATIVE_ERROR, isValidPercent } from "./formats.js";
import { semanticEqual } from "./equal.js";
import {
  ObjectMetaSchema,
  nameIsDNSSubdomain,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "./meta.js";
import { child } from "./path.js";
import { validateSelectorAndTemplate, workloadSpecShape } from "./pod-template.js";
import { anyObject, bool, intOrString, nonNegative, opt, str } from "./schema.js";

export const DeploymentSchema = z.object({
  metadata: opt(ObjectMetaSchema),
  spec: z.preprocess(
    (v) => v ?? {},
    z.object({
      ...workloadSpecShape,
      replicas: opt(nonNegative()),
      strategy: opt(
        z.object({
          type: opt(str()),
          rollingUpdate: opt(z.object({ maxUnavailable: opt(intOrString()), maxSurge: opt(intOrString()) })),
        }),
      ),
      minReadySeconds: opt(nonNegative()),
      revisionHistoryLimit: opt(nonNegative()),
      paused: opt(bool()),
      progressDeadlineSeconds: opt(nonNegative()),
    }),
  ),
  status: opt(anyObject()),
});

export function validateDeployment(d: Deployment): FieldError[] {
  const spec = d.spec ?? {};
  const errs = validateObjectMeta(d.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  errs.push(...validateSelectorAndTemplate(spec.selector, spec.template, "spec"));
  errs.push(...validateStrategy(d, child("spec", "strategy")));
  const deadline = spec.progressDeadlineSeconds;
  if (deadline != null && deadline <= (spec.minReadySeconds ?? 0)) {
    errs.push(
      invalidValue(
        child("spec", "progressDeadlineSeconds"),
        deadline,
        "must be greater than minReadySeconds",
      ),
    );
  }
  return errs;
}

/** apps/v1 forbids changing the selector: existing ReplicaSets and pods would be orphaned. */
export function validateDeploymentUpdate(d: Deployment, old: Deployment): FieldError[] {
  const errs = validateObjectMetaUpdate(d.metadata, old.metadata);
  if (!semanticEqual(d.spec?.selector, old.spec?.selector)) {
    errs.push(invalidValue(child("spec", "selector"), d.spec?.selector, FIELD_IMMUTABLE_ERROR));
  }
  return [...errs, ...validateDeployment(d)];
}

function validateStrategy(d: Deployment, path: string): FieldError[] {
  const strategy = d.spec?.strategy ?? {};
  switch (strategy.type) {
    case "Recreate":
      return strategy.rollingUpdate == null
        ? []
        : [
            forbiddenField(
              child(path, "rollingUpdate"),
              "may not be specified when strategy `type` is 'Recreate'",
            ),
          ];
    case "RollingUpdate":
      return strategy.rollingUpdate == null
        ? [required(child(path, "rollingUpdate"), "this should be defaulted and never be nil")]
        : validateRollingUpdate(strategy.rollingUpdate, child(path, "rollingUpdate"));
    default:
      // Kubernetes names the whole strategy here; the type is the useful part of the value.
      return [notSupported(path, strategy.type ?? "", ["Recreate", "RollingUpdate"])];
  }
}

function validateRollingUpdate(ru: RollingUpdateDeployment, path: string): FieldError[] {
  const unavailablePath = child(path, "maxUnavailable");
  const errs = [
    ...validateIntOrPercent(ru.maxUnavailable, unavailablePath),
    ...validateIntOrPercent(ru.maxSurge, child(path, "maxSurge")),
  ];
  // Both zero would mean no pod may ever be replaced: the rollout could not progress.
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
    errs.push(invalidValue(unavailablePath, ru.maxUnavailable ?? 0, "may not be 0 when `maxSurge` is 0"));
  }
  const percent = percentValue(ru.maxUnavailable);
  if (percent !== undefined && percent > 100) {
    errs.push(invalidValue(unavailablePath, ru.maxUnavailable, "must not be greater than 100%"));
  }
  return errs;
}

function validateIntOrPercent(value: IntOrString | undefined | null, path: string): FieldError[] {
  if (typeof value === "string") return isValidPercent(value).map((msg) => invalidValue(path, value, msg));
  if (typeof value === "number" && value < 0) return [invalidValue(path, value, IS_NEGATIVE_ERROR)];
  return [];
}

function percentValue(value: IntOrString | undefined | null): number | undefined {
  return typeof value === "string" && isValidPercent(value).length === 0
    ? Number(value.slice(0, -1))
    : undefined;
}

/** Like intstr's IntValue: a percent counts by its number, any other string as 0. */
function intOrPercentValue(value: IntOrString | undefined | null): number {
  if (typeof value === "number") return value;
  const percent = percentValue(value);
  if (percent !== undefined) return percent;
  return /^-?[0-9]+$/.test(value ?? "") ? Number(value) : 0;
}
