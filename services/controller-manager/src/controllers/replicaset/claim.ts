/**
 * Which pods a ReplicaSet owns (Kubernetes' `PodControllerRefManager.ClaimPods`):
 * it keeps the matching pods it controls, adopts matching orphans and
 * releases the pods it controls that stopped matching. Pods controlled by
 * anyone else are never touched.
 */
import type { ReplicaSet } from "@ktl/api";
import type { LabelSelector } from "@ktl/apimachinery";
import { claimOwned } from "@ktl/controller";
import type { DeepReadonly } from "@ktl/informers";
import type { PodControl } from "./pod-control.js";
import type { ReadonlyPod } from "./pod-util.js";

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

/** Claims `pods` for `rs` (see claimOwned). */
export function claimPods(options: ClaimOptions): Promise<ClaimResult> {
  const { rs, control } = options;
  return claimOwned({
    owner: rs,
    selector: options.selector,
    candidates: options.pods,
    adopt: (pod) => control.adopt(rs, pod),
    release: (pod) => control.release(rs, pod),
    canAdopt: options.canAdopt,
  });
}
