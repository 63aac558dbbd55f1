import { findKind, findResource, type OwnerReference, type ResourceInfo } from "@ktl/api";
import type { ApiObject } from "@ktl/client";
import type { DeepReadonly } from "@ktl/informers";

/** Set by the apiserver on a delete with propagationPolicy Foreground: dependents go first. */
export const FOREGROUND_FINALIZER = "foregroundDeletion";
/** Set by the apiserver on a delete with propagationPolicy Orphan: dependents are released first. */
export const ORPHAN_FINALIZER = "orphan";

export type ReadonlyObject = DeepReadonly<ApiObject>;

/**
 * One object as the collector knows it. The uid is part of the identity: an
 * object deleted and created again under the same name is another object, and
 * work queued for the first must not touch the second.
 */
export interface ObjectId {
  readonly info: ResourceInfo;
  /** Undefined for cluster-scoped objects. */
  readonly namespace: string | undefined;
  readonly name: string;
  readonly uid: string;
}

/**
 * The work queue key of an object: `group/resource/namespace/name/uid`, with
 * empty segments for the core group and cluster-scoped objects. None of the
 * parts can contain "/", so the key splits back unambiguously. (Keys are not
 * `namespace/name` here because the collector works across every kind.)
 */
export function itemKey(id: ObjectId): string {
  return [id.info.group, id.info.resource, id.namespace ?? "", id.name, id.uid].join("/");
}

/** The inverse of `itemKey`; undefined for a key that names no served resource. */
export function parseItemKey(key: string): ObjectId | undefined {
  const parts = key.split("/");
  if (parts.length !== 5) return undefined;
  const [group = "", resource = "", namespace = "", name = "", uid = ""] = parts;
  const info = findResource(group, resource);
  if (!info || !name || !uid) return undefined;
  return { info, namespace: info.namespaced ? namespace || undefined : undefined, name, uid };
}

/** The identity of an object held by the informer of `info`; undefined without a name or uid. */
export function idOf(info: ResourceInfo, obj: ReadonlyObject): ObjectId | undefined {
  const meta = obj.metadata;
  if (!meta?.name || !meta.uid) return undefined;
  return { info, namespace: info.namespaced ? meta.namespace : undefined, name: meta.name, uid: meta.uid };
}

/** Why an owner reference cannot be checked, so must not lead to a deletion. */
export type Unresolvable = "unknown-kind" | "namespaced-owner-of-cluster-scoped-object";

/**
 * Where the owner named by `ref` lives. Owners of a namespaced dependent are
 * looked up in its namespace (ownerReferences never cross namespaces); a
 * cluster-scoped object cannot be owned by a namespaced one, which Kubernetes
 * reports and leaves alone rather than treating the owner as absent.
 */
export function ownerIdOf(
  ref: DeepReadonly<OwnerReference>,
  dependent: Pick<ObjectId, "namespace">,
): ObjectId | Unresolvable {
  const info = findKind(ref.apiVersion ?? "", ref.kind ?? "");
  // Kinds kept outside etcd (Events) are not served over gRPC, so they cannot be verified.
  if (!info || info.storage !== "etcd") return "unknown-kind";
  if (info.namespaced && dependent.namespace === undefined)
    return "namespaced-owner-of-cluster-scoped-object";
  return {
    info,
    namespace: info.namespaced ? dependent.namespace : undefined,
    name: ref.name ?? "",
    uid: ref.uid ?? "",
  };
}

export function hasFinalizer(obj: ReadonlyObject, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}

/** Marked for deletion and waiting for its dependents to go first. */
export function isDeletingDependents(obj: ReadonlyObject): boolean {
  return !!obj.metadata?.deletionTimestamp && hasFinalizer(obj, FOREGROUND_FINALIZER);
}

/** The reference of `obj` to the owner with `uid`, if any. */
export function refTo(obj: ReadonlyObject, uid: string): DeepReadonly<OwnerReference> | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.uid === uid);
}
