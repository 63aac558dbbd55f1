/**
 * Pure helpers over a Deployment's ReplicaSets (Kubernetes'
 * `deployment_util.go` and the sort orders of `controller_utils.go`): which
 * one is new, how many replicas they have and may get, and the orders in
 * which they are scaled and cleaned up. They read cached objects and never
 * change them.
 */
import type { LabelSelector as LabelSelectorObject, PodTemplateSpec, ReplicaSet } from "@ktl/api";
import { semanticEqual } from "@ktl/apimachinery";
import type { DeepReadonly } from "@ktl/informers";
import { maxReplicasAnnotation, desiredReplicasAnnotation, revisionOf } from "./annotations.js";
import {
  RECREATE,
  ROLLING_UPDATE,
  desiredReplicas,
  maxSurge,
  scaledValue,
  type ReadonlyDeployment,
} from "./fenceposts.js";

export type ReadonlyReplicaSet = DeepReadonly<ReplicaSet>;

/** The label that keeps the pods of a Deployment's ReplicaSets apart. */
export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";

/** `spec.replicas`, with the API's default. */
export function specReplicas(rs: ReadonlyReplicaSet): number {
  return rs.spec?.replicas ?? 1;
}

/** The template without the pod-template-hash label. */
export function withoutHash(template: DeepReadonly<PodTemplateSpec> | undefined): PodTemplateSpec {
  const copy = structuredClone(template ?? {}) as PodTemplateSpec;
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  return copy;
}

/** `EqualIgnoreHash`: the templates are equal once the pod-template-hash label is left out. */
export function equalIgnoreHash(
  a: DeepReadonly<PodTemplateSpec> | undefined,
  b: DeepReadonly<PodTemplateSpec> | undefined,
): boolean {
  return semanticEqual(withoutHash(a), withoutHash(b));
}

/** `labels` plus `key=value`, as a new object. */
export function cloneAndAddLabel(
  labels: Readonly<Record<string, string>> | undefined,
  key: string,
  value: string,
): Record<string, string> {
  return { ...labels, [key]: value };
}

/** The selector plus `key=value` in its matchLabels, as a new object. */
export function cloneSelectorAndAddLabel(
  selector: DeepReadonly<LabelSelectorObject> | undefined,
  key: string,
  value: string,
): LabelSelectorObject {
  const copy = structuredClone(selector ?? {}) as LabelSelectorObject;
  copy.matchLabels = { ...copy.matchLabels, [key]: value };
  return copy;
}

function createdMs(rs: ReadonlyReplicaSet): number {
  const ms = Date.parse(rs.metadata?.creationTimestamp ?? "");
  return Number.isNaN(ms) ? 0 : ms;
}

const byName = (a: ReadonlyReplicaSet, b: ReadonlyReplicaSet): number =>
  (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "");

/** `ReplicaSetsByCreationTimestamp`: oldest first, then by name. */
export function byCreation(a: ReadonlyReplicaSet, b: ReadonlyReplicaSet): number {
  return createdMs(a) - createdMs(b) || byName(a, b);
}

/** `ReplicaSetsBySizeOlder`: largest first; equal sizes oldest first (scaling down). */
export function bySizeOlder(a: ReadonlyReplicaSet, b: ReadonlyReplicaSet): number {
  return specReplicas(b) - specReplicas(a) || byCreation(a, b);
}

/** `ReplicaSetsBySizeNewer`: largest first; equal sizes newest first (scaling up). */
export function bySizeNewer(a: ReadonlyReplicaSet, b: ReadonlyReplicaSet): number {
  return specReplicas(b) - specReplicas(a) || byCreation(b, a);
}

/** `ReplicaSetsByRevision`: lowest revision first, then oldest. */
export function byRevision(a: ReadonlyReplicaSet, b: ReadonlyReplicaSet): number {
  return (revisionOf(a) ?? 0) - (revisionOf(b) ?? 0) || byCreation(a, b);
}

/**
 * `FindNewReplicaSet`: the ReplicaSet whose template is the Deployment's.
 * Should several match (it happened after upgrades, kubernetes#40415), the
 * oldest wins, deterministically.
 */
export function findNewReplicaSet(
  d: ReadonlyDeployment,
  rsList: readonly ReadonlyReplicaSet[],
): ReadonlyReplicaSet | undefined {
  return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** Every ReplicaSet but the new one. */
export function findOldReplicaSets(
  d: ReadonlyDeployment,
  rsList: readonly ReadonlyReplicaSet[],
): ReadonlyReplicaSet[] {
  const newRS = findNewReplicaSet(d, rsList);
  return rsList.filter((rs) => newRS === undefined || rs.metadata?.uid !== newRS.metadata?.uid);
}

/** ReplicaSets with replicas wanted. */
export function filterActive(rsList: readonly (ReadonlyReplicaSet | undefined)[]): ReadonlyReplicaSet[] {
  return rsList.filter((rs): rs is ReadonlyReplicaSet => rs !== undefined && specReplicas(rs) > 0);
}

type MaybeRS = ReadonlyReplicaSet | undefined;
const sum = (rsList: readonly MaybeRS[], count: (rs: ReadonlyReplicaSet) => number): number =>
  rsList.reduce((total, rs) => total + (rs ? count(rs) : 0), 0);

/** Replicas wanted (`spec.replicas`) over the ReplicaSets. */
export const replicaCount = (rsList: readonly MaybeRS[]): number => sum(rsList, specReplicas);
/** Pods that exist (`status.replicas`). */
export const actualReplicaCount = (rsList: readonly MaybeRS[]): number =>
  sum(rsList, (rs) => rs.status?.replicas ?? 0);
export const readyReplicaCount = (rsList: readonly MaybeRS[]): number =>
  sum(rsList, (rs) => rs.status?.readyReplicas ?? 0);
export const availableReplicaCount = (rsList: readonly MaybeRS[]): number =>
  sum(rsList, (rs) => rs.status?.availableReplicas ?? 0);

/**
 * At most how many pods the ReplicaSets may have right now: per ReplicaSet
 * the larger of the replicas wanted and the pods last counted. Kubernetes
 * counts `spec.replicas` alone, so between lowering an old ReplicaSet and
 * its pods going, raising the new one could briefly run more pods than
 * maxSurge allows; counting the pods not yet gone closes that window.
 */
export function podCountUpperBound(rsList: readonly MaybeRS[]): number {
  return sum(rsList, (rs) => Math.max(specReplicas(rs), rs.status?.replicas ?? 0));
}

/**
 * At least how many pods will stay available: per ReplicaSet the smaller
 * of the replicas wanted and the pods last counted available. A ReplicaSet
 * just lowered still reports the pods it is about to delete as available
 * (Kubernetes sums `status.availableReplicas` as it is); it deletes
 * unavailable pods first, so its replicas bound what will be left.
 */
export function availableLowerBound(rsList: readonly MaybeRS[]): number {
  return sum(rsList, (rs) => Math.min(specReplicas(rs), rs.status?.availableReplicas ?? 0));
}

/**
 * `FindActiveOrLatest`: the only ReplicaSet with replicas, the newest one
 * when none has any, or undefined when several do (then they are scaled
 * proportionally).
 */
export function findActiveOrLatest(
  newRS: ReadonlyReplicaSet | undefined,
  oldRSs: readonly ReadonlyReplicaSet[],
): ReadonlyReplicaSet | undefined {
  if (newRS === undefined && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = filterActive([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/**
 * `IsSaturated`: the new ReplicaSet has all the Deployment's replicas, was
 * sized for them, and all of them are available.
 */
export function isSaturated(d: ReadonlyDeployment, rs: ReadonlyReplicaSet | undefined): boolean {
  if (rs === undefined) return false;
  const replicas = desiredReplicas(d);
  return (
    specReplicas(rs) === replicas &&
    desiredReplicasAnnotation(rs) === replicas &&
    (rs.status?.availableReplicas ?? 0) === replicas
  );
}

/**
 * `NewRSNewReplicas`: the size the new ReplicaSet may have now. A rolling
 * update raises it as far as the surge allows without passing the desired
 * replicas; Recreate gives it all of them at once (old pods are gone by then).
 */
export function newRSNewReplicas(
  d: ReadonlyDeployment,
  allRSs: readonly MaybeRS[],
  newRS: ReadonlyReplicaSet,
): number {
  const replicas = desiredReplicas(d);
  switch (d.spec?.strategy?.type) {
    case ROLLING_UPDATE: {
      const surge = scaledValue(d.spec.strategy.rollingUpdate?.maxSurge, replicas, true);
      const current = podCountUpperBound(allRSs);
      const maxTotal = replicas + surge;
      if (current >= maxTotal) return specReplicas(newRS);
      const scaleUp = Math.min(maxTotal - current, replicas - specReplicas(newRS));
      return specReplicas(newRS) + scaleUp;
    }
    case RECREATE:
      return replicas;
    default:
      throw new Error(`deployment strategy ${JSON.stringify(d.spec?.strategy?.type)} isn't supported`);
  }
}

/**
 * `getReplicaSetFraction`: how many replicas `rs` gains (or loses) when the
 * Deployment's maximum size goes from the one the ReplicaSet was sized for
 * (its max-replicas annotation) to the current one, rounded half away from 0.
 */
function replicaSetFraction(rs: ReadonlyReplicaSet, d: ReadonlyDeployment): number {
  const replicas = desiredReplicas(d);
  if (replicas === 0) return -specReplicas(rs);
  const maxNow = replicas + maxSurge(d);
  let maxBefore = maxReplicasAnnotation(rs);
  // Without the annotation (someone resized the ReplicaSet by hand, or the
  // Deployment was at 0), fall back to the Deployment's current size.
  if (!maxBefore) maxBefore = d.status?.replicas ?? 0;
  if (maxBefore === 0) return 0;
  const size = (specReplicas(rs) * maxNow) / maxBefore;
  return Math.sign(size) * Math.round(Math.abs(size)) - specReplicas(rs);
}

/**
 * `GetProportion`: the share of `toAdd` (negative when scaling down) that
 * `rs` takes, given `added` already handed out; never more than what is
 * left to hand out.
 */
export function getProportion(options: {
  readonly rs: ReadonlyReplicaSet | undefined;
  readonly d: ReadonlyDeployment;
  readonly toAdd: number;
  readonly added: number;
}): number {
  const { rs, d, toAdd, added } = options;
  if (rs === undefined || specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

export { semanticEqual };
