import type { NamespaceCondition } from "@ktl/api";
import type { DeepReadonly } from "@ktl/informers";
import type { ContentEstimate } from "./deleter.js";

/** The conditions Kubernetes' namespace controller reports on a terminating namespace. */
export const CONDITIONS = {
  DiscoveryFailure: "NamespaceDeletionDiscoveryFailure",
  GroupVersionParsingFailure: "NamespaceDeletionGroupVersionParsingFailure",
  ContentFailure: "NamespaceDeletionContentFailure",
  ContentRemaining: "NamespaceContentRemaining",
  FinalizersRemaining: "NamespaceFinalizersRemaining",
} as const;

type Condition = Required<Pick<NamespaceCondition, "type" | "status" | "reason" | "message">>;

/**
 * The conditions for one pass of deletes, worded as Kubernetes words them
 * (`kubectl describe ns` shows them). Discovery and group-version parsing
 * cannot fail here — the resource table is compiled in — so they are always
 * False, as they are in a healthy Kubernetes cluster.
 */
export function deletionConditions(estimate: ContentEstimate): Condition[] {
  const { remaining, finalizers, failures } = estimate;
  const counted = (counts: ReadonlyMap<string, number>, word: string): string =>
    [...counts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, n]) => `${name} ${word} ${n} resource instances`)
      .join(", ");
  return [
    {
      type: CONDITIONS.DiscoveryFailure,
      status: "False",
      reason: "ResourcesDiscovered",
      message: "All resources successfully discovered",
    },
    {
      type: CONDITIONS.GroupVersionParsingFailure,
      status: "False",
      reason: "ParsedGroupVersions",
      message: "All legacy kube types successfully parsed",
    },
    failures.length > 0
      ? {
          type: CONDITIONS.ContentFailure,
          status: "True",
          reason: "ContentDeletionFailed",
          message: `Failed to delete all resource types, ${failures.length} remaining: ${failures.join(", ")}`,
        }
      : {
          type: CONDITIONS.ContentFailure,
          status: "False",
          reason: "ContentDeleted",
          message: "All content successfully deleted, may be waiting on finalization",
        },
    remaining.size > 0
      ? {
          type: CONDITIONS.ContentRemaining,
          status: "True",
          reason: "SomeResourcesRemain",
          message: `Some resources are remaining: ${counted(remaining, "has")}`,
        }
      : {
          type: CONDITIONS.ContentRemaining,
          status: "False",
          reason: "ContentRemoved",
          message: "All content successfully removed",
        },
    finalizers.size > 0
      ? {
          type: CONDITIONS.FinalizersRemaining,
          status: "True",
          reason: "SomeFinalizersRemain",
          message: `Some content in the namespace has finalizers remaining: ${counted(finalizers, "in")}`,
        }
      : {
          type: CONDITIONS.FinalizersRemaining,
          status: "False",
          reason: "ContentHasNoFinalizers",
          message: "All content-preserving finalizers finished",
        },
  ];
}

/**
 * `existing` with `next` applied: a condition whose status is unchanged keeps
 * its lastTransitionTime, so an unchanged pass yields deep-equal conditions
 * and no write. Conditions of other types are kept.
 */
export function mergeConditions(
  existing: readonly DeepReadonly<NamespaceCondition>[] | undefined,
  next: readonly Condition[],
  now: string,
): NamespaceCondition[] {
  const out: NamespaceCondition[] = (existing ?? []).map((c) => ({ ...c }));
  for (const cond of next) {
    const i = out.findIndex((c) => c.type === cond.type);
    const old = i >= 0 ? out[i] : undefined;
    const lastTransitionTime =
      old?.status === cond.status && old.lastTransitionTime ? old.lastTransitionTime : now;
    const merged = { ...cond, lastTransitionTime };
    if (i >= 0) out[i] = merged;
    else out.push(merged);
  }
  return out;
}
