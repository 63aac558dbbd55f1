/** Node validation: taints, pod CIDRs, and the capacity it reports. */
import { z } from "zod";
import {
  duplicate,
  forbiddenField,
  invalidValue,
  isValidLabelValue,
  type FieldError,
} from "@ktl/apimachinery";
import type { Node, Taint } from "../gen/types.js";
import { CIDR_ERROR, IS_NEGATIVE_ERROR, isIPv6, isValidCIDR } from "./formats.js";
import { validateLabelName } from "./labels.js";
import {
  ObjectMetaSchema,
  nameIsDNSSubdomain,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "./meta.js";
import { child, index } from "./path.js";
import { parseQuantity } from "./quantity.js";
import { bool, opt, str, stringMap, strings } from "./schema.js";
import { validateTaintEffect } from "./scheduling.js";

export const NodeSchema = z.object({
  metadata: opt(ObjectMetaSchema),
  spec: opt(
    z.object({
      podCIDR: opt(str()),
      podCIDRs: opt(strings()),
      providerID: opt(str()),
      unschedulable: opt(bool()),
      taints: opt(
        z.array(z.object({ key: opt(str()), value: opt(str()), effect: opt(str()), timeAdded: opt(str()) })),
      ),
    }),
  ),
  status: opt(z.object({ capacity: opt(stringMap()), allocatable: opt(stringMap()) })),
});

const PODCIDR_CHANGE = 'node updates may not change podCIDR except from "" to valid';
/** Kubernetes reports taint errors under `metadata.taints`, a long-standing quirk kept for fidelity. */
const TAINTS_PATH = child("metadata", "taints");

/** podCIDR is the v1 single-stack field; podCIDRs its dual-stack successor. */
function podCIDRsOf(node: Node): string[] {
  const spec = node.spec ?? {};
  if ((spec.podCIDRs ?? []).length > 0) return spec.podCIDRs ?? [];
  return spec.podCIDR ? [spec.podCIDR] : [];
}

export function validateNode(node: Node): FieldError[] {
  const errs = validateObjectMeta(node.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain });
  errs.push(...validateTaints(node.spec?.taints ?? []));
  errs.push(...validateNodeResources(node));
  const cidrs = podCIDRsOf(node);
  const cidrsPath = child("spec", "podCIDRs");
  cidrs.forEach((cidr, i) => {
    if (!isValidCIDR(cidr)) errs.push(invalidValue(index(cidrsPath, i), cidr, CIDR_ERROR));
  });
  if (cidrs.length > 1) {
    const families = new Set(cidrs.map((c) => isIPv6(c.split("/")[0] ?? "")));
    if (cidrs.length > 2 || families.size !== cidrs.length) {
      errs.push(invalidValue(cidrsPath, cidrs, "may specify no more than one CIDR for each IP family"));
    }
  }
  return errs;
}

export function validateNodeUpdate(node: Node, old: Node): FieldError[] {
  const errs = validateObjectMetaUpdate(node.metadata, old.metadata);
  // The controller-manager may assign a CIDR once; after that routes depend on it.
  const before = podCIDRsOf(old);
  const now = podCIDRsOf(node);
  if (before.length > 0 && (before.length !== now.length || before.some((c, i) => c !== now[i]))) {
    errs.push(forbiddenField(child("spec", "podCIDRs"), PODCIDR_CHANGE));
  }
  const oldProvider = old.spec?.providerID ?? "";
  if (oldProvider !== "" && oldProvider !== (node.spec?.providerID ?? "")) {
    errs.push(
      forbiddenField(
        child("spec", "providerID"),
        'node updates may not change providerID except from "" to valid',
      ),
    );
  }
  errs.push(...validateTaints(node.spec?.taints ?? []));
  errs.push(...validateNodeResources(node));
  return errs;
}

function validateTaints(taints: Taint[]): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  taints.forEach((t, i) => {
    const idx = index(TAINTS_PATH, i);
    errs.push(...validateLabelName(t.key ?? "", child(idx, "key")));
    const msgs = isValidLabelValue(t.value ?? "");
    if (msgs.length > 0) errs.push(invalidValue(child(idx, "value"), t.value ?? "", msgs.join(";")));
    errs.push(...validateTaintEffect(t.effect ?? "", false, child(idx, "effect")));
    const k = `${t.effect ?? ""}\u0000${t.key ?? ""}`;
    if (seen.has(k)) {
      errs.push({ ...duplicate(idx, t), detail: "taints must be unique by key and effect pair" });
      return;
    }
    seen.add(k);
  });
  return errs;
}

/** Capacity and allocatable quantities; paths use dots, as Kubernetes builds them. */
function validateNodeResources(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  for (const field of ["capacity", "allocatable"] as const) {
    for (const [name, text] of Object.entries(node.status?.[field] ?? {})) {
      const path = child("status", field, name);
      const q = parseQuantity(text);
      if (!q.ok) errs.push(invalidValue(path, text, q.error));
      else if (q.nano < 0n) errs.push(invalidValue(path, text, IS_NEGATIVE_ERROR));
    }
  }
  return errs;
}
