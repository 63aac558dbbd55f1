/**
 * The `kubectl.kubernetes.io/last-applied-configuration` annotation: the
 * applied object serialised as Go would (keys sorted, compact, <>& escaped,
 * a trailing newline) with the annotation itself left out but an
 * `annotations` map kept, exactly as kubectl writes it — so kubectl and ktl
 * can apply over each other's objects.
 */
import type { KubeObject } from "./manifests.js";
import { sortKeys } from "../printers/sort-keys.js";

export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

export function goJson(value: unknown): string {
  return JSON.stringify(sortKeys(value, "json")).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** The object to send: the manifest plus the annotation recording it. */
export function withLastApplied(object: KubeObject): KubeObject {
  const metadata = { ...(object.metadata ?? {}) };
  const annotations = { ...((metadata.annotations as Record<string, string> | undefined) ?? {}) };
  delete annotations[LAST_APPLIED];
  const recorded = { ...object, metadata: { ...metadata, annotations } };
  const serialised = goJson(recorded) + "\n";
  return {
    ...object,
    metadata: { ...metadata, annotations: { ...annotations, [LAST_APPLIED]: serialised } },
  };
}

/** The configuration recorded on a live object, if any. */
export function lastApplied(live: KubeObject): KubeObject | undefined {
  const text = (live.metadata?.annotations as Record<string, string> | undefined)?.[LAST_APPLIED];
  if (!text) return undefined;
  try {
    return JSON.parse(text) as KubeObject;
  } catch {
    return undefined;
  }
}
