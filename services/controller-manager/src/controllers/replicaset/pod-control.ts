/**
 * The writes a ReplicaSet makes to pods (Kubernetes' `RealPodControl` and
 * `PodControllerRefManager` patches), and the slow-start batching of
 * creations. Every call goes through the `Client` type, so unit tests pass
 * the recording fake.
 */
import {
  findResource,
  type OwnerReference,
  type Pod,
  type PodTemplateSpec,
  type ReplicaSet,
  type ResourceInfo,
} from "@ktl/api";
import type { Client } from "@ktl/client";
import type { DeepReadonly } from "@ktl/informers";
import type { ReadonlyPod } from "./pod-util.js";

export const PODS = resourceInfo("", "pods");
export const REPLICA_SETS = resourceInfo("apps", "replicasets");

function resourceInfo(group: string, resource: string): ResourceInfo {
  const info = findResource(group, resource);
  if (!info) throw new Error(`the API has no ${resource}`);
  return info;
}

const STRATEGIC_MERGE = { patchType: "application/strategic-merge-patch+json" };

/** Kubernetes' `SlowStartInitialBatchSize`. */
export const SLOW_START_INITIAL_BATCH = 1;

/** `metav1.NewControllerRef`: the reference that makes `rs` a pod's controller. */
export function controllerRefFor(rs: DeepReadonly<ReplicaSet>): OwnerReference {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    name: rs.metadata?.name ?? "",
    uid: rs.metadata?.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * `GetPodFromTemplate`: a pod named `<rs>-<random>` by the server, with the
 * template's labels, annotations, finalizers and spec, controlled by `rs`.
 */
export function podFromTemplate(rs: DeepReadonly<ReplicaSet>): Pod {
  const template = structuredClone(rs.spec?.template ?? {}) as PodTemplateSpec;
  const meta = template.metadata ?? {};
  const pod: Pod = {
    metadata: {
      generateName: `${rs.metadata?.name ?? ""}-`,
      namespace: rs.metadata?.namespace,
      ownerReferences: [controllerRefFor(rs)],
    },
    spec: template.spec ?? {},
  };
  const podMeta = pod.metadata ?? {};
  if (meta.labels) podMeta.labels = meta.labels;
  if (meta.annotations) podMeta.annotations = meta.annotations;
  if (meta.finalizers) podMeta.finalizers = meta.finalizers;
  return pod;
}

/** Pod writes on behalf of one ReplicaSet. */
export class PodControl {
  constructor(private readonly client: Client) {}

  createPod(rs: DeepReadonly<ReplicaSet>): Promise<Pod> {
    return this.client.create<Pod>(PODS, rs.metadata?.namespace, podFromTemplate(rs));
  }

  /** Deletes the pod we chose, not a namesake created since (the uid is a precondition). */
  async deletePod(pod: ReadonlyPod): Promise<void> {
    const meta = pod.metadata ?? {};
    await this.client.delete(PODS, meta.namespace, meta.name ?? "", {
      preconditions: { uid: meta.uid },
    });
  }

  /**
   * Makes `rs` the pod's controller. The cached resourceVersion is a
   * precondition: a pod changed since we judged it (relabelled, or deleted and
   * recreated under its name) is a conflict, and the next pass judges again.
   */
  async adopt(rs: DeepReadonly<ReplicaSet>, pod: ReadonlyPod): Promise<void> {
    const meta = pod.metadata ?? {};
    const patch = {
      metadata: { ownerReferences: [controllerRefFor(rs)], resourceVersion: meta.resourceVersion },
    };
    await this.client.patch(PODS, meta.namespace, meta.name ?? "", patch, STRATEGIC_MERGE);
  }

  /** Removes `rs`'s owner reference from the pod, with the same precondition as `adopt`. */
  async release(rs: DeepReadonly<ReplicaSet>, pod: ReadonlyPod): Promise<void> {
    const meta = pod.metadata ?? {};
    const patch = {
      metadata: {
        ownerReferences: [{ $patch: "delete", uid: rs.metadata?.uid }],
        resourceVersion: meta.resourceVersion,
      },
    };
    await this.client.patch(PODS, meta.namespace, meta.name ?? "", patch, STRATEGIC_MERGE);
  }
}

/**
 * `slowStartBatch`: calls `fn` `count` times in batches of 1, 2, 4, …, each
 * batch concurrently. A batch with a failure ends it: the remaining calls are
 * never made, so a template the apiserver refuses costs one request, not
 * `count`. Returns how many calls succeeded and the first error, if any.
 */
export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  fn: () => Promise<unknown>,
): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let size = Math.min(remaining, initialBatchSize); size > 0; size = Math.min(2 * size, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: size }, () => Promise.resolve().then(fn)));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    successes += size - failures.length;
    if (failures.length > 0) return { successes, error: failures[0]?.reason };
    remaining -= size;
  }
  return { successes };
}
