/** ConfigMap validation: key syntax, total size, and immutability once marked immutable. */
import { z } from "zod";
import { forbiddenField, invalidValue, tooLong, type FieldError } from "@ktl/apimachinery";
import type { ConfigMap } from "../gen/types.js";
import { semanticEqual } from "./equal.js";
import { isConfigMapKey } from "./formats.js";
import {
  ObjectMetaSchema,
  nameIsDNSSubdomain,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "./meta.js";
import { key } from "./path.js";
import { bool, opt, stringMap } from "./schema.js";

/** 1 MiB: an object must fit in one etcd value. */
export const MAX_CONFIG_MAP_SIZE = 1024 * 1024;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const IMMUTABLE = "field is immutable when `immutable` is set";

export const ConfigMapSchema = z.object({
  metadata: opt(ObjectMetaSchema),
  data: opt(stringMap()),
  binaryData: opt(stringMap()),
  immutable: opt(bool()),
});

export function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs = validateObjectMeta(cm.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  const binary = cm.binaryData ?? {};
  let size = 0;
  for (const [k, v] of Object.entries(cm.data ?? {})) {
    const path = key("data", k);
    errs.push(...isConfigMapKey(k).map((msg) => invalidValue(path, k, msg)));
    if (Object.hasOwn(binary, k)) errs.push(invalidValue(path, k, "duplicate of key present in binaryData"));
    size += Buffer.byteLength(v);
  }
  for (const [k, v] of Object.entries(binary)) {
    const path = key("binaryData", k);
    errs.push(...isConfigMapKey(k).map((msg) => invalidValue(path, k, msg)));
    // binaryData travels base64-encoded in JSON; its size is that of the decoded bytes.
    if (!BASE64.test(v)) errs.push(invalidValue(path, "<binary>", "must be base64-encoded"));
    else size += Buffer.from(v, "base64").length;
  }
  // Kubernetes reports the size on the object itself (an empty field path).
  if (size > MAX_CONFIG_MAP_SIZE) errs.push(tooLong("", "", MAX_CONFIG_MAP_SIZE));
  return errs;
}

export function validateConfigMapUpdate(cm: ConfigMap, old: ConfigMap): FieldError[] {
  const errs = validateObjectMetaUpdate(cm.metadata, old.metadata);
  if (old.immutable === true) {
    if (cm.immutable !== true) errs.push(forbiddenField("immutable", IMMUTABLE));
    if (!semanticEqual(cm.data, old.data)) errs.push(forbiddenField("data", IMMUTABLE));
    if (!semanticEqual(cm.binaryData, old.binaryData)) errs.push(forbiddenField("binaryData", IMMUTABLE));
  }
  return [...errs, ...validateConfigMap(cm)];
}
