/**
 * Every write the Deployment controller makes, through the `Client` type so
 * unit tests pass the recording fake: ReplicaSet creates, updates (always
 * with the cached resourceVersion as precondition, so a decision made on a
 * stale cache is a conflict and is made again), deletes, adoptions and
 * releases, and the Deployment's metadata and status.
 */
import {
  findResource,
  type Deployment,
  type DeploymentStatus,
  type OwnerReference,
  type ReplicaSet,
  type ResourceInfo,
} from "@ktl/api";
import type { Client } from "@ktl/client";
import type { ReadonlyDeployment } from "./util/fenceposts.js";
import { semanticEqual, type ReadonlyReplicaSet } from "./util/replica-sets.js";

export const DEPLOYMENTS = resourceInfo("apps", "deployments");
export const REPLICA_SETS = resourceInfo("apps", "replicasets");
export const PODS = resourceInfo("", "pods");

function resourceInfo(group: string, resource: string): ResourceInfo {
  const info = findResource(group, resource);
  if (!info) throw new Error(`the API has no ${resource}`);
  return info;
}

const STRATEGIC_MERGE = { patchType: "application/strategic-merge-patch+json" };

/** `metav1.NewControllerRef`: the reference that makes `d` a ReplicaSet's controller. */
export function controllerRefFor(d: ReadonlyDeployment): OwnerReference {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    name: d.metadata?.name ?? "",
    uid: d.metadata?.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

export { controllerOf } from "@ktl/controller";

export type WriteOutcome = "created" | "updated" | "unchanged";

export interface Written<T> {
  readonly outcome: WriteOutcome;
  /** The object as the apiserver returned it, or the one given when nothing was written. */
  readonly obj: T;
}

export class DeploymentControl {
  constructor(private readonly client: Client) {}

  createReplicaSet(rs: ReplicaSet): Promise<ReplicaSet> {
    return this.client.create<ReplicaSet>(REPLICA_SETS, rs.metadata?.namespace, rs);
  }

  getReplicaSet(namespace: string | undefined, name: string): Promise<ReplicaSet> {
    return this.client.get<ReplicaSet>(REPLICA_SETS, namespace, name);
  }

  /**
   * Applies `mutate` to a copy of `rs` and writes it when that changed
   * anything, with `rs`'s resourceVersion as precondition. Idempotent: a
   * second call with the same mutation on the result writes nothing.
   */
  async updateReplicaSet(
    rs: ReadonlyReplicaSet,
    mutate: (rs: ReplicaSet) => void,
  ): Promise<Written<ReadonlyReplicaSet>> {
    const next = structuredClone(rs) as ReplicaSet;
    mutate(next);
    if (semanticEqual(next, rs)) return { outcome: "unchanged", obj: rs };
    const written = await this.client.update<ReplicaSet>(REPLICA_SETS, next);
    return { outcome: "updated", obj: written };
  }

  /** Deletes the ReplicaSet we judged, not a namesake created since (the uid is a precondition). */
  async deleteReplicaSet(rs: ReadonlyReplicaSet): Promise<void> {
    const meta = rs.metadata ?? {};
    await this.client.delete(REPLICA_SETS, meta.namespace, meta.name ?? "", {
      preconditions: { uid: meta.uid },
    });
  }

  /**
   * Makes `d` the ReplicaSet's controller. The cached resourceVersion is a
   * precondition: a ReplicaSet changed since we judged it is a conflict, and
   * the next pass judges again.
   */
  async adopt(d: ReadonlyDeployment, rs: ReadonlyReplicaSet): Promise<void> {
    const meta = rs.metadata ?? {};
    const patch = {
      metadata: { ownerReferences: [controllerRefFor(d)], resourceVersion: meta.resourceVersion },
    };
    await this.client.patch(REPLICA_SETS, meta.namespace, meta.name ?? "", patch, STRATEGIC_MERGE);
  }

  /** Removes `d`'s owner reference from the ReplicaSet, with the same precondition as `adopt`. */
  async release(d: ReadonlyDeployment, rs: ReadonlyReplicaSet): Promise<void> {
    const meta = rs.metadata ?? {};
    const patch = {
      metadata: {
        ownerReferences: [{ $patch: "delete", uid: d.metadata?.uid }],
        resourceVersion: meta.resourceVersion,
      },
    };
    await this.client.patch(REPLICA_SETS, meta.namespace, meta.name ?? "", patch, STRATEGIC_MERGE);
  }

  /**
   * Writes the Deployment's metadata and spec (the revision annotation, a
   * rollback's template) with its resourceVersion as precondition. The
   * apiserver ignores status here; `d` keeps its status and takes the new
   * resourceVersion, so a status write can follow.
   */
  async updateDeployment(d: Deployment): Promise<void> {
    const written = await this.client.update<Deployment>(DEPLOYMENTS, d);
    d.metadata = { ...d.metadata, resourceVersion: written.metadata?.resourceVersion };
  }

  /**
   * Writes `status` through the status subresource, with the
   * resourceVersion as precondition, unless it equals `d.status` (the status
   * on record): an unchanged status is not written, since every write wakes
   * every watcher. On success `d` holds the new status and resourceVersion.
   */
  async updateDeploymentStatus(d: Deployment, status: DeploymentStatus): Promise<WriteOutcome> {
    if (semanticEqual(d.status, status)) return "unchanged";
    const written = await this.client.updateStatus<Deployment>(DEPLOYMENTS, { ...d, status });
    d.status = status;
    d.metadata = { ...d.metadata, resourceVersion: written.metadata?.resourceVersion };
    return "updated";
  }
}
