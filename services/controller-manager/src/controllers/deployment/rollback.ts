/**
 * Rollback (Kubernetes' `rollback.go`). Today `kubectl rollout undo` rolls
 * back client-side: it patches the Deployment's template (and annotations)
 * with those of the ReplicaSet of the revision it wants, and the ordinary
 * rollout takes it from there — the old ReplicaSet's template matches, so
 * it becomes the new ReplicaSet again and gets the next revision, its old
 * one kept in `deployment.kubernetes.io/revision-history` (see
 * `setNewReplicaSetAnnotations`). No pod of a new hash is created.
 *
 * The server-side form survives in apps/v1 as the
 * `deprecated.deployment.rollback.to` annotation (what extensions/v1beta1's
 * `spec.rollbackTo` converts to); this module handles it the same way: copy
 * the template and annotations of that revision into the Deployment and
 * clear the request.
 */
import type { Deployment } from "@ktl/api";
import type { DeepReadonly } from "@ktl/informers";
import type { SyncContext, SyncState } from "./state.js";
import { getAllReplicaSetsAndSyncRevision } from "./sync.js";
import {
  ROLLBACK_TO_ANNOTATION,
  lastRevision,
  revisionOf,
  setDeploymentAnnotationsTo,
} from "./util/annotations.js";
import type { ReadonlyDeployment } from "./util/fenceposts.js";
import { equalIgnoreHash, withoutHash, type ReadonlyReplicaSet } from "./util/replica-sets.js";

/** The revision a `deprecated.deployment.rollback.to` annotation asks for; undefined when none (or not a number). */
export function rollbackTo(d: ReadonlyDeployment): number | undefined {
  const text = d.metadata?.annotations?.[ROLLBACK_TO_ANNOTATION];
  if (text === undefined || text === "" || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/**
 * `rollback`: rolls the Deployment back to the requested revision (0: the
 * one before the current), or gives up when there is no such revision.
 * Either way the request is cleared, so it is acted on once.
 */
export async function rollback(ctx: SyncContext, state: SyncState): Promise<void> {
  const { d } = state;
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, state, true);
  const allRSs = newRS ? [...oldRSs, state.latest(newRS)] : oldRSs;
  let revision = rollbackTo(d) ?? 0;
  if (revision === 0) revision = lastRevision(allRSs);
  const target = revision === 0 ? undefined : allRSs.find((rs) => revisionOf(rs) === revision);
  const name = `${d.metadata?.namespace}/${d.metadata?.name}`;
  if (!target) {
    ctx.log.warn("rollback revision not found; giving up the rollback", { deployment: name, revision });
  } else if (rollbackToTemplate(d, target)) {
    ctx.log.info("rolled back deployment", { deployment: name, revision });
  } else {
    ctx.log.info("rollback template unchanged; nothing to do", { deployment: name, revision });
  }
  clearRollbackTo(d);
  await ctx.control.updateDeployment(d);
}

/**
 * `rollbackToTemplate`: copies `rs`'s template (without its hash label)
 * and annotations into the Deployment, unless the templates are already
 * equal. The annotations come along so the ReplicaSet keeps its own
 * change-cause instead of taking the current one. True when it changed `d`.
 */
export function rollbackToTemplate(d: Deployment, rs: DeepReadonly<ReadonlyReplicaSet>): boolean {
  if (equalIgnoreHash(d.spec?.template, rs.spec?.template)) return false;
  d.spec = { ...d.spec, template: withoutHash(rs.spec?.template) };
  setDeploymentAnnotationsTo(d, rs);
  return true;
}

function clearRollbackTo(d: Deployment): void {
  const annotations = d.metadata?.annotations;
  if (annotations) delete annotations[ROLLBACK_TO_ANNOTATION];
}
