import type { ObjectReference } from "@ktl/api";

/** Anything with object metadata, e.g. a Pod from an informer (which may lack kind/apiVersion). */
export interface ObjectLike {
  readonly kind?: string;
  readonly apiVersion?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly resourceVersion?: string;
  };
}

/** The kind and apiVersion of the kinds services record events about. */
export const KINDS = {
  Pod: { kind: "Pod", apiVersion: "v1" },
  Node: { kind: "Node", apiVersion: "v1" },
  ReplicaSet: { kind: "ReplicaSet", apiVersion: "apps/v1" },
  Deployment: { kind: "Deployment", apiVersion: "apps/v1" },
} as const;

/**
 * An ObjectReference to `obj`, as client-go's reference.GetReference builds
 * it. Informer objects often carry no kind/apiVersion (list items do not), so
 * `type` supplies them; `fieldPath` points into the object, e.g.
 * `spec.containers{web}` for a container's events.
 */
export function referenceTo(
  obj: ObjectLike,
  type?: { readonly kind: string; readonly apiVersion: string },
  fieldPath?: string,
): ObjectReference {
  const meta = obj.metadata ?? {};
  const ref: ObjectReference = {
    kind: obj.kind || type?.kind,
    namespace: meta.namespace,
    name: meta.name,
    uid: meta.uid,
    apiVersion: obj.apiVersion || type?.apiVersion,
    resourceVersion: meta.resourceVersion,
  };
  if (fieldPath) ref.fieldPath = fieldPath;
  return ref;
}

export function isObjectReference(value: ObjectLike | ObjectReference): value is ObjectReference {
  return !("metadata" in value) && ("name" in value || "uid" in value);
}
