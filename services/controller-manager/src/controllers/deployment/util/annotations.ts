/**
 * The annotations a Deployment and its ReplicaSets carry (Kubernetes'
 * `deployment_util.go`): the revision that orders rollouts, the history of
 * revisions a rolled-back-to ReplicaSet had, the replicas a ReplicaSet was
 * sized for (which tells scaling from rolling), and the Deployment's own
 * annotations (such as `kubernetes.io/change-cause`) copied to the new
 * ReplicaSet so `kubectl rollout history` can show them.
 *
 * Functions named `set…` change the object they are given (a clone, never a
 * cached object) and return whether anything changed.
 */
import type { Deployment, ReplicaSet } from "@ktl/api";
import type { DeepReadonly } from "@ktl/informers";
import { desiredReplicas, maxSurge, type ReadonlyDeployment } from "./fenceposts.js";

export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas";
/** apps/v1's stand-in for the old `spec.rollbackTo` (extensions/v1beta1 `rollback`). */
export const ROLLBACK_TO_ANNOTATION = "deprecated.deployment.rollback.to";
export const CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause";
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";
/** The revision history is cut from its oldest end beyond this many characters. */
export const MAX_REVISION_HISTORY_CHARS = 2000;

/** Annotations that belong to the Deployment or the ReplicaSet and are never copied between them. */
const ANNOTATIONS_TO_SKIP: ReadonlySet<string> = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  ROLLBACK_TO_ANNOTATION,
]);

export function skipCopyAnnotation(key: string): boolean {
  return ANNOTATIONS_TO_SKIP.has(key);
}

interface Annotated {
  readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> };
}

/** A non-negative integer from a whole decimal string; undefined otherwise. */
function parseCount(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The revision annotation: 0 when absent, undefined when it is not a number. */
export function revisionOf(obj: Annotated): number | undefined {
  const text = obj.metadata?.annotations?.[REVISION_ANNOTATION];
  return text === undefined ? 0 : parseCount(text);
}

/** The highest revision among the ReplicaSets (unparseable ones are skipped); 0 for none. */
export function maxRevision(rsList: readonly Annotated[]): number {
  let max = 0;
  for (const rs of rsList) max = Math.max(max, revisionOf(rs) ?? 0);
  return max;
}

/** The second highest revision: what `kubectl rollout undo` goes back to. */
export function lastRevision(rsList: readonly Annotated[]): number {
  let max = 0;
  let second = 0;
  for (const rs of rsList) {
    const v = revisionOf(rs);
    if (v === undefined) continue;
    if (v >= max) {
      second = max;
      max = v;
    } else if (v > second) {
      second = v;
    }
  }
  return second;
}

export function desiredReplicasAnnotation(rs: Annotated): number | undefined {
  return parseCount(rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION]);
}

export function maxReplicasAnnotation(rs: Annotated): number | undefined {
  return parseCount(rs.metadata?.annotations?.[MAX_REPLICAS_ANNOTATION]);
}

function annotationsOf(obj: { metadata?: { annotations?: Record<string, string> } }): Record<string, string> {
  obj.metadata ??= {};
  return (obj.metadata.annotations ??= {});
}

/** Whether `rs` says it was sized for `desired` replicas out of at most `max`. */
export function replicasAnnotationsNeedUpdate(rs: Annotated, desired: number, max: number): boolean {
  const annotations = rs.metadata?.annotations ?? {};
  return (
    annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired) ||
    annotations[MAX_REPLICAS_ANNOTATION] !== String(max)
  );
}

/** Records the Deployment size (and its maximum with the surge) the ReplicaSet was sized for. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  if (!replicasAnnotationsNeedUpdate(rs, desired, max)) return false;
  const annotations = annotationsOf(rs);
  annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired);
  annotations[MAX_REPLICAS_ANNOTATION] = String(max);
  return true;
}

/**
 * Copies the Deployment's annotations to the ReplicaSet, except the skipped
 * ones. Only adds and overwrites: an annotation the Deployment dropped stays
 * on the ReplicaSets that had it, which is what keeps each revision's
 * change-cause in the history.
 */
export function copyDeploymentAnnotationsToReplicaSet(d: ReadonlyDeployment, rs: ReplicaSet): boolean {
  let changed = false;
  const annotations = annotationsOf(rs);
  for (const [key, value] of Object.entries(d.metadata?.annotations ?? {})) {
    if (skipCopyAnnotation(key) || annotations[key] === value) continue;
    annotations[key] = value;
    changed = true;
  }
  return changed;
}

/**
 * `SetNewReplicaSetAnnotations`: brings the new ReplicaSet's annotations up
 * to date: the Deployment's annotations, the revision raised to
 * `newRevision` (never lowered: old ReplicaSets may have been deleted since),
 * and, when a revision is raised on a ReplicaSet that had one — a rollback
 * to it — the old revision appended to the revision history. A ReplicaSet
 * about to be created (`exists` false) also gets the replicas annotations.
 */
export function setNewReplicaSetAnnotations(options: {
  readonly d: ReadonlyDeployment;
  readonly rs: ReplicaSet;
  readonly newRevision: number;
  readonly exists: boolean;
  readonly historyLimitChars?: number;
}): boolean {
  const { d, rs, newRevision, exists } = options;
  const limit = options.historyLimitChars ?? MAX_REVISION_HISTORY_CHARS;
  let changed = copyDeploymentAnnotationsToReplicaSet(d, rs);
  const annotations = annotationsOf(rs);
  const oldText = annotations[REVISION_ANNOTATION];
  const old = oldText === undefined || oldText === "" ? 0 : parseCount(oldText);
  if (old === undefined) return false; // not a number: leave it alone, as Kubernetes does
  if (old < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldText !== undefined && oldText !== "") {
      annotations[REVISION_HISTORY_ANNOTATION] = appendHistory(
        annotations[REVISION_HISTORY_ANNOTATION],
        oldText,
        limit,
      );
    }
  }
  if (!exists) {
    const replicas = desiredReplicas(d);
    if (setReplicasAnnotations(rs, replicas, replicas + maxSurge(d))) changed = true;
  }
  return changed;
}

/** Appends `revision` to a comma-separated history, dropping the oldest entries to stay within `limit`. */
export function appendHistory(history: string | undefined, revision: string, limit: number): string {
  if (!history) return revision;
  const entries = history.split(",");
  let total = history.length + revision.length + 1;
  let start = 0;
  while (total > limit && start < entries.length) {
    total -= (entries[start]?.length ?? 0) + 1;
    start++;
  }
  // Kubernetes keeps the history as it was when even the new entry alone is too long.
  if (total > limit) return history;
  return [...entries.slice(start), revision].join(",");
}

/** Sets the Deployment's revision annotation (that of its new ReplicaSet). */
export function setDeploymentRevision(d: Deployment, revision: string): boolean {
  const annotations = annotationsOf(d);
  if (annotations[REVISION_ANNOTATION] === revision) return false;
  annotations[REVISION_ANNOTATION] = revision;
  return true;
}

/**
 * `SetDeploymentAnnotationsTo`: the Deployment keeps its own (skipped)
 * annotations and takes every other annotation from the ReplicaSet it rolls
 * back to — as `kubectl rollout undo` does client-side.
 */
export function setDeploymentAnnotationsTo(d: Deployment, rollbackTo: DeepReadonly<ReplicaSet>): void {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(d.metadata?.annotations ?? {})) {
    if (skipCopyAnnotation(key)) kept[key] = value;
  }
  for (const [key, value] of Object.entries(rollbackTo.metadata?.annotations ?? {})) {
    if (!skipCopyAnnotation(key)) kept[key] = value;
  }
  d.metadata = { ...d.metadata, annotations: kept };
}
