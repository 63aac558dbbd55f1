import type { ObjectMeta } from "@ktl/api";

/** Any API object in its JSON shape. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** The metadata of an object, present or not (readers never see undefined). */
export function metaOf(obj: KubeObject): ObjectMeta {
  return obj.metadata ?? {};
}

/** RFC 3339 with second precision, as Kubernetes writes timestamps. */
export function nowTimestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
