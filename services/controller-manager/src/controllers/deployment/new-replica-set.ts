/**
 * The new ReplicaSet (Kubernetes' `getNewReplicaSet` and
 * `getAllReplicaSetsAndSyncRevision` in `sync.go`): the ReplicaSet whose
 * template is the Deployment's, found or created as `<name>-<hash>`, its
 * revision kept above every old one's and mirrored in the Deployment's
 * revision annotation, the Deployment's annotations (change-cause) copied
 * onto it, and hash collisions resolved through `status.collisionCount`.
 */
import { KINDS, referenceTo } from "@ktl/events";
import type { DeploymentStatus, PodTemplateSpec, ReplicaSet } from "@ktl/api";
import { isAlreadyExists, isForbidden } from "@ktl/apimachinery";
import { controllerOf, controllerRefFor } from "./control.js";
import type { SyncContext, SyncState } from "./state.js";
import {
  REVISION_ANNOTATION,
  maxRevision,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
} from "./util/annotations.js";
import {
  PROGRESSING,
  Reason,
  getCondition,
  hasProgressDeadline,
  newCondition,
  setCondition,
} from "./util/conditions.js";
import type { ReadonlyDeployment } from "./util/fenceposts.js";
import { computeHash } from "./util/hash.js";
import {
  POD_TEMPLATE_HASH_LABEL,
  cloneAndAddLabel,
  cloneSelectorAndAddLabel,
  equalIgnoreHash,
  findNewReplicaSet,
  findOldReplicaSets,
  newRSNewReplicas,
  type ReadonlyReplicaSet,
} from "./util/replica-sets.js";

export interface ReplicaSets {
  /** The ReplicaSet whose template is the Deployment's, if there is one (yet). */
  readonly newRS: ReadonlyReplicaSet | undefined;
  /** Every other claimed ReplicaSet. */
  readonly oldRSs: ReadonlyReplicaSet[];
}

/**
 * `getAllReplicaSetsAndSyncRevision`: the new and old ReplicaSets, with the
 * new one's revision raised above every old one's and the Deployment's
 * revision annotation following it. With `create`, a missing new
 * ReplicaSet is created.
 */
export async function getAllReplicaSetsAndSyncRevision(
  ctx: SyncContext,
  state: SyncState,
  create: boolean,
): Promise<ReplicaSets> {
  const oldRSs = findOldReplicaSets(state.d, state.rsList);
  const newRS = await getNewReplicaSet(ctx, state, oldRSs, create);
  return { newRS, oldRSs };
}

export function cloneStatus(state: SyncState): DeploymentStatus {
  return structuredClone(state.d.status ?? {});
}

/** Writes the Deployment's revision annotation when it changed, then `status` when it changed. */
async function writeRevisionAndStatus(
  ctx: SyncContext,
  state: SyncState,
  revisionChanged: boolean,
  status: DeploymentStatus,
): Promise<void> {
  if (revisionChanged) await ctx.control.updateDeployment(state.d);
  await ctx.control.updateDeploymentStatus(state.d, status);
}

async function getNewReplicaSet(
  ctx: SyncContext,
  state: SyncState,
  oldRSs: readonly ReadonlyReplicaSet[],
  create: boolean,
): Promise<ReadonlyReplicaSet | undefined> {
  const { d } = state;
  const existing = findNewReplicaSet(d, state.rsList);
  const newRevision = maxRevision(oldRSs) + 1;

  if (existing) {
    // Bring its annotations (revision included) and minReadySeconds up to
    // date; the Deployment's revision follows in the pass this write triggers.
    const written = await ctx.control.updateReplicaSet(existing, (rs) => {
      setNewReplicaSetAnnotations({ d, rs, newRevision, exists: true });
      const minReadySeconds = d.spec?.minReadySeconds ?? 0;
      if ((rs.spec?.minReadySeconds ?? 0) !== minReadySeconds) rs.spec = { ...rs.spec, minReadySeconds };
    });
    if (written.outcome !== "unchanged") return state.track(written.obj);

    const revisionChanged = setDeploymentRevision(
      d,
      existing.metadata?.annotations?.[REVISION_ANNOTATION] ?? "",
    );
    const status = cloneStatus(state);
    // A Deployment whose progress nobody tracked before: start from now.
    if (hasProgressDeadline(d) && !getCondition(d.status, PROGRESSING)) {
      const message = `Found new replica set "${existing.metadata?.name}"`;
      setCondition(status, progressing("True", Reason.FoundNewReplicaSet, message, ctx.now()));
    }
    await writeRevisionAndStatus(ctx, state, revisionChanged, status);
    return existing;
  }
  if (!create) return undefined;

  const rs = newReplicaSetFor(d);
  const replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
  rs.spec = { ...rs.spec, replicas };
  setNewReplicaSetAnnotations({ d, rs, newRevision, exists: false });

  let created: ReadonlyReplicaSet;
  let alreadyExists = false;
  try {
    created = await ctx.control.createReplicaSet(rs);
  } catch (err) {
    if (!isAlreadyExists(err)) {
      if (!isNamespaceTerminating(err) && hasProgressDeadline(d)) {
        const status = cloneStatus(state);
        const message = `Failed to create new replica set "${rs.metadata?.name}": ${String(err)}`;
        setCondition(status, progressing("False", Reason.ReplicaSetCreateError, message, ctx.now()));
        await ctx.control.updateDeploymentStatus(d, status).catch(() => undefined);
      }
      throw err;
    }
    // The name is taken: by this very ReplicaSet, which our cache has not
    // seen yet, or by one with another template — a hash collision. A live
    // read tells which (Kubernetes asks its cache and retries until it knows).
    const current = await ctx.control.getReplicaSet(rs.metadata?.namespace, rs.metadata?.name ?? "");
    if (
      controllerOf(current)?.uid !== d.metadata?.uid ||
      !equalIgnoreHash(d.spec?.template, current.spec?.template)
    ) {
      // Bump the collision count: the next pass hashes to another name.
      const status = cloneStatus(state);
      status.collisionCount = (status.collisionCount ?? 0) + 1;
      await ctx.control.updateDeploymentStatus(d, status);
      ctx.log.warn("hash collision for the new ReplicaSet; bumped collisionCount", {
        deployment: `${d.metadata?.namespace}/${d.metadata?.name}`,
        replicaSet: rs.metadata?.name,
        collisionCount: status.collisionCount,
      });
      throw err;
    }
    created = current;
    alreadyExists = true;
  }
  state.track(created);
  if (!alreadyExists) {
    ctx.log.info("created new ReplicaSet", {
      deployment: `${d.metadata?.namespace}/${d.metadata?.name}`,
      replicaSet: created.metadata?.name,
      replicas,
      revision: newRevision,
    });
    // Kubernetes records the new ReplicaSet's first size as a scale-up from 0.
    if (replicas > 0) {
      ctx.recorder?.event(
        referenceTo(d, KINDS.Deployment),
        "Normal",
        "ScalingReplicaSet",
        "Scaled up replica set %s to %d from 0",
        created.metadata?.name ?? "",
        replicas,
      );
    }
  }

  const revisionChanged = setDeploymentRevision(d, String(newRevision));
  const status = cloneStatus(state);
  if (!alreadyExists && hasProgressDeadline(d)) {
    const message = `Created new replica set "${created.metadata?.name}"`;
    setCondition(status, progressing("True", Reason.NewReplicaSetCreated, message, ctx.now()));
  }
  await writeRevisionAndStatus(ctx, state, revisionChanged, status);
  return created;
}

/**
 * The new ReplicaSet for the Deployment's template, with no replicas yet:
 * named `<deployment>-<hash>`, the hash added to its labels, selector and
 * template labels (so its pods never match another revision's selector),
 * controlled by the Deployment.
 */
export function newReplicaSetFor(d: ReadonlyDeployment): ReplicaSet {
  const template = structuredClone(d.spec?.template ?? {}) as PodTemplateSpec;
  const hash = computeHash(d.spec?.template, d.status?.collisionCount);
  const labels = cloneAndAddLabel(template.metadata?.labels, POD_TEMPLATE_HASH_LABEL, hash);
  template.metadata = { ...template.metadata, labels };
  return {
    metadata: {
      name: `${d.metadata?.name ?? ""}-${hash}`,
      namespace: d.metadata?.namespace,
      ownerReferences: [controllerRefFor(d)],
      labels: { ...labels },
    },
    spec: {
      replicas: 0,
      minReadySeconds: d.spec?.minReadySeconds ?? 0,
      selector: cloneSelectorAndAddLabel(d.spec?.selector, POD_TEMPLATE_HASH_LABEL, hash),
      template,
    },
  };
}

export function progressing(
  status: "True" | "False" | "Unknown",
  reason: string,
  message: string,
  nowMs: number,
): ReturnType<typeof newCondition> {
  return newCondition({ type: PROGRESSING, status, reason, message, nowMs });
}

/** The apiserver refuses new content in a namespace being deleted with this 403. */
function isNamespaceTerminating(err: unknown): boolean {
  return isForbidden(err) && err instanceof Error && err.message.includes("because it is being terminated");
}
