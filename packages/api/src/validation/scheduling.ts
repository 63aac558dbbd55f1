/** Scheduling constraints of a pod spec: tolerations, affinity, topology spread. */
import {
  forbiddenField,
  invalidValue,
  isValidLabelValue,
  notSupported,
  required,
  type FieldError,
} from "@ktl/apimachinery";
import type {
  Affinity,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  PodAffinityTerm,
  Toleration,
  TopologySpreadConstraint,
} from "../gen/types.js";
import { IS_NOT_POSITIVE_ERROR } from "./formats.js";
import { validateLabelName, validateLabelSelector } from "./labels.js";
import { nameIsDNSLabel } from "./meta.js";
import { child, index } from "./path.js";

export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

export function validateTaintEffect(effect: string, allowEmpty: boolean, path: string): FieldError[] {
  if (effect === "") return allowEmpty ? [] : [required(path)];
  return TAINT_EFFECTS.includes(effect) ? [] : [notSupported(path, effect, TAINT_EFFECTS)];
}

export function validateTolerations(tolerations: Toleration[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  tolerations.forEach((t, i) => {
    const idx = index(path, i);
    const tKey = t.key ?? "";
    const operator = t.operator ?? "";
    const effect = t.effect ?? "";
    if (tKey !== "") errs.push(...validateLabelName(tKey, child(idx, "key")));
    // An empty key with Exists tolerates every taint; any other operator needs a key.
    if (tKey === "" && operator !== "Exists") {
      errs.push(
        invalidValue(
          child(idx, "operator"),
          operator,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (t.tolerationSeconds != null && effect !== "NoExecute") {
      errs.push(
        invalidValue(
          child(idx, "effect"),
          effect,
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      );
    }
    switch (operator) {
      case "":
      case "Equal": {
        const msgs = isValidLabelValue(t.value ?? "");
        if (msgs.length > 0) errs.push(invalidValue(child(idx, "operator"), t.value ?? "", msgs.join(";")));
        break;
      }
      case "Exists":
        if (t.value)
          errs.push(
            invalidValue(child(idx, "operator"), t.value, "value must be empty when `operator` is 'Exists'"),
          );
        break;
      default:
        errs.push(notSupported(child(idx, "operator"), operator, ["Equal", "Exists"]));
    }
    errs.push(...validateTaintEffect(effect, true, child(idx, "effect")));
  });
  return errs;
}

export function validateAffinity(affinity: Affinity | undefined | null, path: string): FieldError[] {
  if (affinity == null) return [];
  const errs: FieldError[] = [];
  const node = affinity.nodeAffinity;
  if (node != null) {
    const nodePath = child(path, "nodeAffinity");
    const requiredTerms = node.requiredDuringSchedulingIgnoredDuringExecution;
    if (requiredTerms != null) {
      const termsPath = child(
        nodePath,
        "requiredDuringSchedulingIgnoredDuringExecution",
        "nodeSelectorTerms",
      );
      const terms = requiredTerms.nodeSelectorTerms ?? [];
      if (terms.length === 0) errs.push(required(termsPath, "must have at least one node selector term"));
      terms.forEach((term, i) => errs.push(...validateNodeSelectorTerm(term, index(termsPath, i))));
    }
    (node.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((pref, i) => {
      const prefPath = index(child(nodePath, "preferredDuringSchedulingIgnoredDuringExecution"), i);
      errs.push(...validateWeight(pref.weight, child(prefPath, "weight")));
      errs.push(...validateNodeSelectorTerm(pref.preference ?? {}, child(prefPath, "preference")));
    });
  }
  for (const kind of ["podAffinity", "podAntiAffinity"] as const) {
    const pod = affinity[kind];
    if (pod == null) continue;
    const podPath = child(path, kind);
    (pod.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((term, i) => {
      errs.push(
        ...validatePodAffinityTerm(
          term,
          index(child(podPath, "requiredDuringSchedulingIgnoredDuringExecution"), i),
        ),
      );
    });
    (pod.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((weighted, i) => {
      const wPath = index(child(podPath, "preferredDuringSchedulingIgnoredDuringExecution"), i);
      errs.push(...validateWeight(weighted.weight, child(wPath, "weight")));
      errs.push(...validatePodAffinityTerm(weighted.podAffinityTerm ?? {}, child(wPath, "podAffinityTerm")));
    });
  }
  return errs;
}

function validateWeight(weight: number | undefined, path: string): FieldError[] {
  const w = weight ?? 0;
  return w <= 0 || w > 100 ? [invalidValue(path, w, "must be in the range 1-100")] : [];
}

function validateNodeSelectorTerm(term: NodeSelectorTerm, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (term.matchExpressions ?? []).forEach((req, i) => {
    errs.push(...validateNodeSelectorRequirement(req, index(child(path, "matchExpressions"), i)));
  });
  (term.matchFields ?? []).forEach((req, i) => {
    const reqPath = index(child(path, "matchFields"), i);
    if (req.operator !== "In" && req.operator !== "NotIn") {
      errs.push(
        invalidValue(child(reqPath, "operator"), req.operator ?? "", "not a valid selector operator"),
      );
    } else if ((req.values ?? []).length !== 1) {
      errs.push(
        required(
          child(reqPath, "values"),
          "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
        ),
      );
    }
    // metadata.name is the only node field a pod can select on.
    if (req.key !== "metadata.name")
      errs.push(invalidValue(child(reqPath, "key"), req.key ?? "", "not a valid field selector key"));
  });
  return errs;
}

function validateNodeSelectorRequirement(req: NodeSelectorRequirement, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const values = req.values ?? [];
  switch (req.operator) {
    case "In":
    case "NotIn":
      if (values.length === 0)
        errs.push(required(child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
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
    case "Gt":
    case "Lt":
      if (values.length !== 1)
        errs.push(
          required(child(path, "values"), "must be specified single value when `operator` is 'Lt' or 'Gt'"),
        );
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

function validatePodAffinityTerm(term: PodAffinityTerm, path: string): FieldError[] {
  const errs = validateLabelSelector(term.labelSelector, child(path, "labelSelector"));
  for (const ns of term.namespaces ?? []) {
    for (const msg of nameIsDNSLabel(ns, false)) errs.push(invalidValue(child(path, "namespace"), ns, msg));
  }
  const topologyKey = term.topologyKey ?? "";
  if (topologyKey === "") errs.push(required(child(path, "topologyKey"), "can not be empty"));
  return [...errs, ...validateLabelName(topologyKey, child(path, "topologyKey"))];
}

export function validateTopologySpreadConstraints(
  constraints: TopologySpreadConstraint[],
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  constraints.forEach((c, i) => {
    const idx = index(path, i);
    if ((c.maxSkew ?? 0) <= 0)
      errs.push(invalidValue(child(idx, "maxSkew"), c.maxSkew ?? 0, IS_NOT_POSITIVE_ERROR));
    if (!c.topologyKey) errs.push(required(child(idx, "topologyKey"), "can not be empty"));
    const when = c.whenUnsatisfiable ?? "";
    if (when !== "DoNotSchedule" && when !== "ScheduleAnyway") {
      errs.push(notSupported(child(idx, "whenUnsatisfiable"), when, ["DoNotSchedule", "ScheduleAnyway"]));
    }
    errs.push(...validateLabelSelector(c.labelSelector, child(idx, "labelSelector")));
  });
  return errs;
}
