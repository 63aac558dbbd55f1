/**
 * Kubernetes' ControllerRefManager: which objects an owner controls. It keeps
 * the matching objects it controls, adopts matching orphans in its namespace
 * and releases the ones it controls that stopped matching. Objects controlled
 * by anyone else are never touched. Used by ReplicaSets (pods) and
 * Deployments (ReplicaSets).
 */
import type { OwnerReference } from "@ktl/api";
import { isNotFound, type LabelSelector } from "@ktl/apimachinery";

interface Meta {
  readonly metadata?: {
    readonly uid?: string;
    readonly namespace?: string;
    readonly deletionTimestamp?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly ownerReferences?: readonly Readonly<OwnerReference>[];
  };
}

/** The owner reference with controller: true, if any. */
export function controllerOf(obj: Meta): Readonly<OwnerReference> | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

export interface ClaimOptions<T extends Meta> {
  readonly owner: Meta;
  readonly selector: LabelSelector;
  /** Candidates from the cache, in the owner's namespace. */
  readonly candidates: readonly T[];
  readonly adopt: (obj: T) => Promise<void>;
  readonly release: (obj: T) => Promise<void>;
  /**
   * Rejects when the owner must not adopt (it is being deleted or was
   * replaced); called before the first adoption only, since it is a live read.
   */
  readonly canAdopt: () => Promise<void>;
}

export interface ClaimResult<T> {
  /** The objects the owner controls and that match, including those just adopted. */
  readonly claimed: T[];
  /** Failed adoptions and releases; the objects concerned are left out of `claimed`. */
  readonly errors: unknown[];
}

/**
 * Claims `candidates` for `owner`. A failed patch (a conflict because the
 * object changed since it was cached, say) is reported, not thrown, so one bad
 * object does not stop the others; the caller retries the whole pass.
 */
export async function claimOwned<T extends Meta>(options: ClaimOptions<T>): Promise<ClaimResult<T>> {
  const { owner, selector, candidates } = options;
  const uid = owner.metadata?.uid;
  const deleting = Boolean(owner.metadata?.deletionTimestamp);
  const claimed: T[] = [];
  const errors: unknown[] = [];
  let adoptable: Promise<void> | undefined;

  for (const obj of candidates) {
    const matches = selector.matches(obj.metadata?.labels);
    const ref = controllerOf(obj);
    if (ref) {
      if (ref.uid !== uid) continue; // someone else's
      if (matches) {
        claimed.push(obj);
        continue;
      }
      // Ours but no longer matching: let go, unless we are going away anyway.
      if (deleting) continue;
      await attempt(() => options.release(obj), errors);
      continue;
    }
    // An orphan: adopt it if it matches, nobody is deleting it or us, and it is in our namespace.
    if (deleting || !matches || obj.metadata?.deletionTimestamp) continue;
    if (obj.metadata?.namespace !== owner.metadata?.namespace) continue;
    adoptable ??= options.canAdopt();
    const adopted = await attempt(async () => {
      await adoptable;
      await options.adopt(obj);
    }, errors);
    if (adopted) claimed.push(obj);
  }
  return { claimed, errors };
}

/** Runs `write`; true when it took effect. An object that is gone is no error, just not ours. */
async function attempt(write: () => Promise<void>, errors: unknown[]): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    if (!isNotFound(err)) errors.push(err);
    return false;
  }
}
