/**
 * Which ReplicaSets a Deployment owns (Kubernetes'
 * `ReplicaSetControllerRefManager.ClaimReplicaSets`): it keeps the matching
 * ReplicaSets it controls, adopts matching orphans and releases the ones it
 * controls that stopped matching. ReplicaSets controlled by anyone else are
 * never touched. And which pods belong to those ReplicaSets.
 */
import type { LabelSelector } from "@ktl/apimachinery";
import { claimOwned } from "@ktl/controller";
import { controllerOf, type DeploymentControl } from "./control.js";
import type { ReadonlyPod } from "./state.js";
import type { ReadonlyDeployment } from "./util/fenceposts.js";
import type { ReadonlyReplicaSet } from "./util/replica-sets.js";

export interface ClaimOptions {
  readonly d: ReadonlyDeployment;
  readonly selector: LabelSelector;
  /** Candidate ReplicaSets from the cache, in the Deployment's namespace. */
  readonly replicaSets: readonly ReadonlyReplicaSet[];
  readonly control: DeploymentControl;
  /**
   * Rejects when the Deployment must not adopt (it is being deleted or was
   * replaced); called before the first adoption only, since it is a live read.
   */
  readonly canAdopt: () => Promise<void>;
}

export interface ClaimResult {
  /** The ReplicaSets the Deployment controls and that match, including those just adopted. */
  readonly claimed: ReadonlyReplicaSet[];
  /** Failed adoptions and releases; the ReplicaSets concerned are left out of `claimed`. */
  readonly errors: unknown[];
}

/** Claims `replicaSets` for `d` (see claimOwned). */
export function claimReplicaSets(options: ClaimOptions): Promise<ClaimResult> {
  const { d, control } = options;
  return claimOwned({
    owner: d,
    selector: options.selector,
    candidates: options.replicaSets,
    adopt: (rs) => control.adopt(d, rs),
    release: (rs) => control.release(d, rs),
    canAdopt: options.canAdopt,
  });
}

/**
 * `getPodMapForDeployment`: the pods matching the Deployment's selector,
 * grouped by the uid of the claimed ReplicaSet controlling them (every
 * claimed ReplicaSet has an entry). Terminating pods are included: Recreate
 * waits for them too.
 */
export function podMapFor(options: {
  readonly selector: LabelSelector;
  readonly replicaSets: readonly ReadonlyReplicaSet[];
  /** The pods of the Deployment's namespace. */
  readonly pods: readonly ReadonlyPod[];
}): Map<string, ReadonlyPod[]> {
  const map = new Map<string, ReadonlyPod[]>();
  for (const rs of options.replicaSets) map.set(rs.metadata?.uid ?? "", []);
  for (const pod of options.pods) {
    if (!options.selector.matches(pod.metadata?.labels)) continue;
    const ref = controllerOf(pod);
    if (ref?.kind !== "ReplicaSet") continue;
    map.get(ref.uid ?? "")?.push(pod);
  }
  return map;
}
