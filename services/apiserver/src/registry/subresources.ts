import type { Binding, PodStatus, ResourceInfo, Scale } from "@ktl/api";
import {
  badRequest,
  conflict,
  invalid,
  invalidValue,
  isConflict,
  notFound,
  selectorFromLabelSelector,
} from "@ktl/apimachinery";
import { nowTimestamp, type KubeObject } from "../storage/object.js";
import type { Registry, WriteOptions } from "./registry.js";

interface ScalableSpec {
  replicas?: number;
  selector?: {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  };
}

/** The autoscaling/v1 Scale view of a Deployment or ReplicaSet. */
export function toScale(obj: KubeObject): Scale {
  const meta = obj.metadata ?? {};
  const spec = (obj.spec ?? {}) as ScalableSpec;
  const status = (obj.status ?? {}) as { replicas?: number };
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      creationTimestamp: meta.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: selectorFromLabelSelector(spec.selector).toString() },
  };
}

/**
 * Writes spec.replicas from a Scale; the Scale's resourceVersion, when given,
 * is a precondition on the parent object, as in Kubernetes.
 */
export async function updateScale(
  registry: Registry,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  scale: Scale,
  options: WriteOptions = {},
): Promise<Scale> {
  const replicas = scale.spec?.replicas;
  if (replicas === undefined || !Number.isInteger(replicas) || replicas < 0) {
    throw invalid({ group: "autoscaling", kind: "Scale" }, name, [
      invalidValue("spec.replicas", replicas ?? null, "must be greater than or equal to 0"),
    ]);
  }
  const wantedRev = scale.metadata?.resourceVersion;
  const updated = await registry.guaranteedUpdate(info, namespace, name, options, (current) => {
    if (wantedRev && Number(wantedRev) !== current.rev) {
      throw conflict(
        info,
        name,
        "the object has been modified; please apply your changes to the latest version and try again",
      );
    }
    const next = structuredClone(current.obj);
    next.spec = { ...(next.spec as object), replicas };
    return registry.prepareUpdate(info, next, current.obj);
  });
  return toScale(updated);
}

/**
 * pods/binding: assigns a pod to a node, once. Kubernetes refuses a second
 * binding with 409 and records the PodScheduled condition.
 *
 * The first attempt starts from the watch cache's copy of the pod (as
 * Kubernetes' cacher hands GuaranteedUpdate the cached object) and goes
 * through the store's group commit, so a scheduler's concurrent bindings
 * share etcd transactions; a stale copy fails the mod_revision compare and
 * the retry reads etcd. A pod the cache shows bound or being deleted is so
 * in etcd too (neither is ever undone), so its 409 needs no etcd read.
 */
export async function bindPod(
  registry: Registry,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  binding: Binding,
  options: WriteOptions = {},
): Promise<KubeObject> {
  const target = binding.target;
  if (!target?.name)
    throw invalid({ group: "", kind: "Binding" }, name, [
      invalidValue("target.name", "", "must not be empty"),
    ]);
  if (target.kind && target.kind !== "Node") {
    throw invalid({ group: "", kind: "Binding" }, name, [
      invalidValue("target.kind", target.kind, "must be empty or Node"),
    ]);
  }
  if (binding.metadata?.name && binding.metadata.name !== name) {
    throw badRequest(`the name of the binding (${binding.metadata.name}) does not match the pod (${name})`);
  }
  const bind = (current: KubeObject): KubeObject => boundPod(info, name, current, target.name ?? "");
  if (options.dryRun) return registry.guaranteedUpdate(info, namespace, name, options, (c) => bind(c.obj));
  const store = registry.store;
  const key = store.keys.objectKey(info, namespace, name);
  const cached = registry.cacher.cacheFor(info)?.get(key);
  for (let attempt = 0; ; attempt++) {
    const current =
      attempt === 0 && cached
        ? { obj: cached, rev: Number(cached.metadata?.resourceVersion) }
        : await store.get(info, namespace, name);
    if (!current) throw notFound(info, name);
    try {
      return (await store.groupCommit.update(info, bind(current.obj), current.rev)).obj;
    } catch (err) {
      if (!isConflict(err) || attempt >= BIND_RETRIES) throw err;
    }
  }
}

/** Retries after a compare failure: the first attempt may start from a stale cached copy. */
const BIND_RETRIES = 8;

/** The pod bound to `nodeName`; shallow copies only (the current object is shared with the watch cache). */
function boundPod(info: ResourceInfo, name: string, current: KubeObject, nodeName: string): KubeObject {
  const spec = (current.spec ?? {}) as { nodeName?: string };
  if (current.metadata?.deletionTimestamp) {
    throw conflict(info, name, `pod ${name} is being deleted, cannot be assigned to a host`);
  }
  if (spec.nodeName) {
    throw conflict(info, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
  }
  const status = (current.status ?? {}) as PodStatus;
  const conditions = (status.conditions ?? []).filter((c) => c.type !== "PodScheduled");
  conditions.push({ type: "PodScheduled", status: "True", lastTransitionTime: nowTimestamp() });
  return { ...current, spec: { ...spec, nodeName }, status: { ...status, conditions } };
}
