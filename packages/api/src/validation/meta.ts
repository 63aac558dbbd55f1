/**
 * ObjectMeta validation (apimachinery's api/validation/objectmeta.go plus the
 * core finalizer rule), shared by every kind.
 */
import { z } from "zod";
import {
  forbiddenField,
  invalidValue,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  required,
  tooLong,
  type FieldError,
} from "@ktl/apimachinery";
import type { ObjectMeta, OwnerReference } from "../gen/types.js";
import {
  FIELD_IMMUTABLE_ERROR,
  IS_NEGATIVE_ERROR,
  isDNS1035Label,
  isValidPathSegmentName,
} from "./formats.js";
import { validateLabels } from "./labels.js";
import { child, index } from "./path.js";
import { anyObject, bool, int, opt, str, stringMap, strings } from "./schema.js";

/** Checks a name; `prefix` means it is a generateName, to which a random suffix is added. */
export type NameFn = (name: string, prefix: boolean) => string[];

/** A generateName may end in '-': the generated suffix follows it. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith("-") ? `${name.slice(0, -1)}a` : name;
}

export const nameIsDNSSubdomain: NameFn = (name, prefix) =>
  isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: NameFn = (name, prefix) =>
  isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDNS1035Label: NameFn = (name, prefix) =>
  isDNS1035Label(prefix ? maskTrailingDash(name) : name);
export const nameIsPathSegment: NameFn = (name) => isValidPathSegmentName(name);

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
const STANDARD_FINALIZERS = ["kubernetes", "orphan", "foregroundDeletion"];
/** Objects that may never own others (garbage collection would never see them go). */
const BANNED_OWNERS = new Set(["v1/Event"]);

export const ObjectMetaSchema = z.object({
  name: opt(str()),
  generateName: opt(str()),
  namespace: opt(str()),
  selfLink: opt(str()),
  uid: opt(str()),
  resourceVersion: opt(str()),
  generation: opt(int()),
  creationTimestamp: opt(str()),
  deletionTimestamp: opt(str()),
  deletionGracePeriodSeconds: opt(int()),
  labels: opt(stringMap()),
  annotations: opt(stringMap()),
  ownerReferences: opt(
    z.array(
      z.object({
        apiVersion: opt(str()),
        kind: opt(str()),
        name: opt(str()),
        uid: opt(str()),
        controller: opt(bool()),
        blockOwnerDeletion: opt(bool()),
      }),
    ),
  ),
  finalizers: opt(strings()),
  managedFields: opt(z.array(anyObject())),
});

export interface MetaOptions {
  readonly namespaced: boolean;
  readonly nameFn: NameFn;
}

/** Metadata on create. A missing name is fine when generateName is set: the server generates one. */
export function validateObjectMeta(
  meta: ObjectMeta | undefined | null,
  opts: MetaOptions,
  path = "metadata",
): FieldError[] {
  const m = meta ?? {};
  const errs: FieldError[] = [];
  if (m.generateName) {
    for (const msg of opts.nameFn(m.generateName, true)) {
      errs.push(invalidValue(child(path, "generateName"), m.generateName, msg));
    }
  }
  if (m.name) {
    for (const msg of opts.nameFn(m.name, false)) errs.push(invalidValue(child(path, "name"), m.name, msg));
  } else if (!m.generateName) {
    errs.push(required(child(path, "name"), "name or generateName is required"));
  }
  if (opts.namespaced) {
    if (!m.namespace) errs.push(required(child(path, "namespace")));
    else
      for (const msg of nameIsDNSLabel(m.namespace, false))
        errs.push(invalidValue(child(path, "namespace"), m.namespace, msg));
  } else if (m.namespace) {
    errs.push(forbiddenField(child(path, "namespace"), "not allowed on this type"));
  }
  if ((m.generation ?? 0) < 0)
    errs.push(invalidValue(child(path, "generation"), m.generation, IS_NEGATIVE_ERROR));
  errs.push(...validateMetaMaps(m, path));
  errs.push(...validateFinalizers(m.finalizers ?? [], child(path, "finalizers")));
  return errs;
}

/**
 * Metadata on update. Identity fields may not change; an empty one counts as
 * "not sent" since the server fills it from the stored object. Server-owned
 * fields (resourceVersion, generation, timestamps) are reset by the server
 * before it calls this, so they are not checked here.
 */
export function validateObjectMetaUpdate(
  meta: ObjectMeta | undefined | null,
  old: ObjectMeta | undefined | null,
  path = "metadata",
): FieldError[] {
  const m = meta ?? {};
  const o = old ?? {};
  const errs: FieldError[] = [];
  for (const field of ["name", "namespace", "uid"] as const) {
    const now = m[field];
    if (now && now !== (o[field] ?? ""))
      errs.push(invalidValue(child(path, field), now, FIELD_IMMUTABLE_ERROR));
  }
  errs.push(...validateMetaMaps(m, path));
  errs.push(...validateFinalizers(m.finalizers ?? [], child(path, "finalizers")));
  return errs;
}

function validateMetaMaps(m: ObjectMeta, path: string): FieldError[] {
  return [
    ...validateLabels(m.labels, child(path, "labels")),
    ...validateAnnotations(m.annotations, child(path, "annotations")),
    ...validateOwnerReferences(m.ownerReferences ?? [], child(path, "ownerReferences")),
  ];
}

export function validateAnnotations(
  annotations: Record<string, string> | undefined | null,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    // Annotation keys are qualified names, but case does not matter.
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalidValue(path, k, msg));
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, "", TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** Errors name the list, not the entry, exactly as Kubernetes reports them. */
function validateOwnerReferences(refs: OwnerReference[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = "";
  for (const ref of refs) {
    const apiVersion = ref.apiVersion ?? "";
    const version = apiVersion.includes("/") ? apiVersion.slice(apiVersion.indexOf("/") + 1) : apiVersion;
    if (!version) errs.push(invalidValue(child(path, "apiVersion"), apiVersion, "version must not be empty"));
    if (!ref.kind) errs.push(invalidValue(child(path, "kind"), ref.kind ?? "", "must not be empty"));
    if (!ref.name) errs.push(invalidValue(child(path, "name"), ref.name ?? "", "must not be empty"));
    if (!ref.uid) errs.push(invalidValue(child(path, "uid"), ref.uid ?? "", "must not be empty"));
    if (BANNED_OWNERS.has(`${apiVersion}/${ref.kind ?? ""}`)) {
      errs.push(
        invalidValue(path, ref, `/${apiVersion}, Kind=${ref.kind ?? ""} is disallowed from being an owner`),
      );
    }
    if (ref.controller === true) {
      const current = `${ref.kind ?? ""}/${ref.name ?? ""}`;
      if (firstController === "") {
        firstController = current;
      } else {
        errs.push(
          invalidValue(
            path,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      }
    }
  }
  return errs;
}

export function validateFinalizers(finalizers: string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  finalizers.forEach((f, i) => {
    for (const msg of isQualifiedName(f)) errs.push(invalidValue(path, f, msg));
    errs.push(...validateKubeFinalizerName(f, index(path, i)));
  });
  if (finalizers.includes("orphan") && finalizers.includes("foregroundDeletion")) {
    errs.push(invalidValue(path, finalizers, "finalizer orphan and foregroundDeletion cannot be both set"));
  }
  return errs;
}

/** Unqualified finalizer names are reserved for Kubernetes' own. */
export function validateKubeFinalizerName(name: string, path: string): FieldError[] {
  if (name.includes("/") || STANDARD_FINALIZERS.includes(name)) return [];
  return [invalidValue(path, name, "name is neither a standard finalizer name nor is it fully qualified")];
}
