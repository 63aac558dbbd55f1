/**
 * Which ReplicaSets a Deployment owns (Kubernetes'
 * `ReplicaSetControllerRefManager.ClaimReplicaSets`): it keeps the matching
 * ReplicaSets it controls, adopts matching orphans and releases the ones it
 * controls that stopped matching. ReplicaSets controlled by anyone else are
 * never touched. And which pods belong to those ReplicaSets.
 */
import { isNotFound, type LabelSelector } from "@ktl/apimachinery";
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

/**
 * Claims `replicaSets` for `d`. A failed patch (a conflict because the
 * ReplicaSet changed since it was cached, say) is reported, not thrown, so
 * one bad ReplicaSet does not stop the others; the caller retries the pass.
 */
export async function claimReplicaSets(options: ClaimOptions): Promise<ClaimResult> {
  const { d, selector, replicaSets, control } = options;
  const uid = d.metadata?.uid;
  const deleting = Boolean(d.metadata?.deletionTimestamp);
  const claimed: ReadonlyReplicaSet[] = [];
  const errors: unknown[] = [];
  let adoptable: Promise<void> | undefined;

  for (const rs of replicaSets) {
    const matches = selector.matches(rs.metadata?.labels);
    const ref = controllerOf(rs);
    if (ref) {
      if (ref.uid !== uid) continue; // someone else's
      if (matches) {
        claimed.push(rs);
        continue;
      }
      if (deleting) continue; // going away anyway
      await attempt(() => control.release(d, rs), errors);
      continue;
    }
    if (deleting || !matches || rs.metadata?.deletionTimestamp) continue;
    if (rs.metadata?.namespace !== d.metadata?.namespace) continue;
    adoptable ??= options.canAdopt();
    const adopted = await attempt(async () => {
      await adoptable;
      await control.adopt(d, rs);
    }, errors);
    if (adopted) claimed.push(rs);
  }
  return { claimed, errors };
}

/** Runs `write`; true when it took effect. A ReplicaSet that is gone is no error, just not ours. */
async function attempt(write: () => Promise<void>, errors: unknown[]): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    if (!isNotFound(err)) errors.push(err);
    return false;
  }
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
