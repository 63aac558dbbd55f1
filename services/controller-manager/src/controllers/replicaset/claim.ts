/**
 * Which pods a ReplicaSet owns (Kubernetes' `PodControllerRefManager.ClaimPods`):
 * it keeps the matching pods it controls, adopts matching orphans and
 * releases the pods it controls that stopped matching. Pods controlled by
 * anyone else are never touched.
 */
import type { ReplicaSet } from "@ktl/api";
import { isNotFound, type LabelSelector } from "@ktl/apimachinery";
import type { DeepReadonly } from "@ktl/informers";
import type { PodControl } from "./pod-control.js";
import { controllerOf, type ReadonlyPod } from "./pod-util.js";

export interface ClaimOptions {
  readonly rs: DeepReadonly<ReplicaSet>;
  readonly selector: LabelSelector;
  /** Candidate pods from the cache, in the ReplicaSet's namespace. */
  readonly pods: readonly ReadonlyPod[];
  readonly control: PodControl;
  /**
   * Rejects when the ReplicaSet must not adopt (it is being deleted or was
   * replaced); called before the first adoption only, since it is a live read.
   */
  readonly canAdopt: () => Promise<void>;
}

export interface ClaimResult {
  /** The pods the ReplicaSet controls and that match, including those just adopted. */
  readonly claimed: ReadonlyPod[];
  /** Failed adoptions and releases; the pods concerned are left out of `claimed`. */
  readonly errors: unknown[];
}

/**
 * Claims `pods` for `rs`. A failed patch (for instance a conflict because the
 * pod changed since it was cached) is reported, not thrown, so one bad pod
 * does not stop the others; the caller retries the whole pass.
 */
export async function claimPods(options: ClaimOptions): Promise<ClaimResult> {
  const { rs, selector, pods, control } = options;
  const uid = rs.metadata?.uid;
  const deleting = Boolean(rs.metadata?.deletionTimestamp);
  const claimed: ReadonlyPod[] = [];
  const errors: unknown[] = [];
  let adoptable: Promise<void> | undefined;

  for (const pod of pods) {
    const matches = selector.matches(pod.metadata?.labels);
    const ref = controllerOf(pod);
    if (ref) {
      if (ref.uid !== uid) continue; // someone else's
      if (matches) {
        claimed.push(pod);
        continue;
      }
      // Ours but no longer matching: let go, unless we are going away anyway.
      if (deleting) continue;
      await attempt(() => control.release(rs, pod), errors);
      continue;
    }
    // An orphan: adopt it if it matches, nobody is deleting it or us, and it is in our namespace.
    if (deleting || !matches || pod.metadata?.deletionTimestamp) continue;
    if (pod.metadata?.namespace !== rs.metadata?.namespace) continue;
    adoptable ??= options.canAdopt();
    const adopted = await attempt(async () => {
      await adoptable;
      await control.adopt(rs, pod);
    }, errors);
    if (adopted) claimed.push(pod);
  }
  return { claimed, errors };
}

/** Runs `write`; true when it took effect. A pod that is gone is no error, just not ours. */
async function attempt(write: () => Promise<void>, errors: unknown[]): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    if (!isNotFound(err)) errors.push(err);
    return false;
  }
}
