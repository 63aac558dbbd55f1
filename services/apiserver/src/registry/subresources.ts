import type { Binding, PodStatus, ResourceInfo, Scale } from "@ktl/api";
import { badRequest, conflict, invalid, invalidValue, selectorFromLabelSelector } from "@ktl/apimachinery";
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
  return registry.guaranteedUpdate(info, namespace, name, options, (current) => {
    const pod = structuredClone(current.obj);
    const spec = (pod.spec ?? {}) as { nodeName?: string };
    if (pod.metadata?.deletionTimestamp) {
      throw conflict(info, name, `pod ${name} is being deleted, cannot be assigned to a host`);
    }
    if (spec.nodeName) {
      throw conflict(info, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    }
    pod.spec = { ...spec, nodeName: target.name };
    const status = (pod.status ?? {}) as PodStatus;
    const conditions = (status.conditions ?? []).filter((c) => c.type !== "PodScheduled");
    conditions.push({ type: "PodScheduled", status: "True", lastTransitionTime: nowTimestamp() });
    pod.status = { ...status, conditions };
    return pod;
  });
}
