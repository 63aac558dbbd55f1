/**
 * Labels and label selectors, after apimachinery's meta/v1/validation:
 * key and value errors are reported on the map's path (not per key), as
 * Kubernetes does.
 */
import { z } from "zod";
import {
  forbiddenField,
  invalidValue,
  isQualifiedName,
  isValidLabelValue,
  required,
  type FieldError,
} from "@ktl/apimachinery";
import type { LabelSelector, LabelSelectorRequirement } from "../gen/types.js";
import { child, index } from "./path.js";
import { opt, str, stringMap, strings } from "./schema.js";

export function validateLabelName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((msg) => invalidValue(path, name, msg));
}

export function validateLabels(
  labels: Record<string, string> | undefined | null,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...validateLabelName(k, path));
    errs.push(...isValidLabelValue(v).map((msg) => invalidValue(path, v, msg)));
  }
  return errs;
}

export function validateLabelSelector(
  selector: LabelSelector | undefined | null,
  path: string,
): FieldError[] {
  if (selector == null) return [];
  const errs = validateLabels(selector.matchLabels, child(path, "matchLabels"));
  (selector.matchExpressions ?? []).forEach((req, i) => {
    errs.push(...validateRequirement(req, index(child(path, "matchExpressions"), i)));
  });
  return errs;
}

function validateRequirement(req: LabelSelectorRequirement, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const values = req.values ?? [];
  switch (req.operator) {
    case "In":
    case "NotIn":
      if (values.length === 0) {
        errs.push(required(child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
      }
      break;
    case "Exists":
    case "DoesNotExist":
      if (values.length > 0) {
        errs.push(
          forbiddenField(
            child(path, "values"),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          ),
        );
      }
      break;
    default:
      errs.push(invalidValue(child(path, "operator"), req.operator ?? "", "not a valid selector operator"));
  }
  errs.push(...validateLabelName(req.key ?? "", child(path, "key")));
  values.forEach((v, i) => {
    errs.push(...isValidLabelValue(v).map((msg) => invalidValue(index(child(path, "values"), i), v, msg)));
  });
  return errs;
}

export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0;
}

export const LabelSelectorSchema = z.object({
  matchLabels: opt(stringMap()),
  matchExpressions: opt(z.array(z.object({ key: opt(str()), operator: opt(str()), values: opt(strings()) }))),
});
