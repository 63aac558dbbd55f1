/** Container environment: env and envFrom, after ValidateEnv and ValidateEnvFrom. */
import { z } from "zod";
import { invalidValue, isDNS1123Subdomain, notSupported, required, type FieldError } from "@ktl/apimachinery";
import type { EnvFromSource, EnvVar, ObjectFieldSelector } from "../gen/types.js";
import { isConfigMapKey, isEnvVarName } from "./formats.js";
import { nameIsDNSSubdomain } from "./meta.js";
import { child, index } from "./path.js";
import { bool, formatted, opt, requiredString, str } from "./schema.js";

const KeySelectorSchema = z.object({ name: opt(str()), key: opt(str()), optional: opt(bool()) });
const LocalRefSchema = z.object({ name: opt(str()) });

export const EnvVarSchema = z.object({
  name: requiredString(isEnvVarName),
  value: opt(str()),
  valueFrom: opt(
    z.object({
      fieldRef: opt(z.object({ apiVersion: opt(str()), fieldPath: opt(str()) })),
      resourceFieldRef: opt(
        z.object({ containerName: opt(str()), resource: opt(str()), divisor: opt(str()) }),
      ),
      configMapKeyRef: opt(KeySelectorSchema),
      secretKeyRef: opt(KeySelectorSchema),
    }),
  ),
});

export const EnvFromSourceSchema = z.object({
  prefix: opt(formatted(isEnvVarName)),
  configMapRef: opt(LocalRefSchema),
  secretRef: opt(LocalRefSchema),
});

/** The pod fields the downward API can put in an env var. */
const ENV_FIELD_PATHS = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
];
const RESOURCE_FIELD_PATHS = [
  "limits.cpu",
  "limits.ephemeral-storage",
  "limits.memory",
  "requests.cpu",
  "requests.ephemeral-storage",
  "requests.memory",
];

/** The cross-field env rules; names and prefixes are checked by the schemas above. */
export function validateEnv(vars: EnvVar[], path: string): FieldError[] {
  return vars.flatMap((ev, i) => validateValueFrom(ev, child(index(path, i), "valueFrom")));
}

function validateValueFrom(ev: EnvVar, path: string): FieldError[] {
  const from = ev.valueFrom;
  if (from == null) return [];
  const errs: FieldError[] = [];
  let sources = 0;
  if (from.fieldRef != null) {
    sources++;
    errs.push(...validateFieldRef(from.fieldRef, child(path, "fieldRef")));
  }
  if (from.resourceFieldRef != null) {
    sources++;
    const ref = from.resourceFieldRef;
    const refPath = child(path, "resourceFieldRef");
    if (!ref.resource) errs.push(required(child(refPath, "resource")));
    else if (
      !RESOURCE_FIELD_PATHS.includes(ref.resource) &&
      !/^(limits|requests)\.hugepages-/.test(ref.resource)
    ) {
      errs.push(notSupported(child(refPath, "resource"), ref.resource, RESOURCE_FIELD_PATHS));
    }
  }
  for (const kind of ["configMapKeyRef", "secretKeyRef"] as const) {
    const ref = from[kind];
    if (ref == null) continue;
    sources++;
    const refPath = child(path, kind);
    for (const msg of isDNS1123Subdomain(ref.name ?? ""))
      errs.push(invalidValue(child(refPath, "name"), ref.name ?? "", msg));
    if (!ref.key) errs.push(required(child(refPath, "key")));
    else
      for (const msg of isConfigMapKey(ref.key)) errs.push(invalidValue(child(refPath, "key"), ref.key, msg));
  }
  if (sources === 0) {
    errs.push(
      invalidValue(
        path,
        "",
        "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
      ),
    );
  } else if (ev.value) {
    errs.push(invalidValue(path, "", "may not be specified when `value` is not empty"));
  } else if (sources > 1) {
    errs.push(invalidValue(path, "", "may not have more than one field specified at a time"));
  }
  return errs;
}

function validateFieldRef(ref: ObjectFieldSelector, path: string): FieldError[] {
  if (!ref.apiVersion) return [required(child(path, "apiVersion"))];
  if (!ref.fieldPath) return [required(child(path, "fieldPath"))];
  // Labels and annotations are addressed one key at a time: metadata.labels['app'].
  if (/^metadata\.(labels|annotations)\[.+\]$/.test(ref.fieldPath)) return [];
  if (ENV_FIELD_PATHS.includes(ref.fieldPath)) return [];
  return [notSupported(child(path, "fieldPath"), ref.fieldPath, ENV_FIELD_PATHS)];
}

export function validateEnvFrom(sources: EnvFromSource[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  sources.forEach((src, i) => {
    const idx = index(path, i);
    let count = 0;
    for (const kind of ["configMapRef", "secretRef"] as const) {
      const ref = src[kind];
      if (ref == null) continue;
      count++;
      const namePath = child(idx, kind, "name");
      if (!ref.name) errs.push(required(namePath));
      else
        for (const msg of nameIsDNSSubdomain(ref.name, true))
          errs.push(invalidValue(namePath, ref.name, msg));
    }
    // Kubernetes reports these two on the list, not the entry.
    if (count === 0) errs.push(invalidValue(path, "", "must specify one of: `configMapRef` or `secretRef`"));
    else if (count > 1)
      errs.push(invalidValue(path, "", "may not have more than one field specified at a time"));
  });
  return errs;
}
