import type { OwnerReference } from "@ktl/api";
import { isNotFound } from "@ktl/apimachinery";
import type { ApiObject, Client } from "@ktl/client";
import type { DeepReadonly } from "@ktl/informers";
import type { DependencyGraph } from "./graph.js";
import { isDeletingDependents, ownerIdOf, type ObjectId, type ReadonlyObject } from "./identity.js";

type Ref = DeepReadonly<OwnerReference>;

/**
 * An object's owner references sorted as Kubernetes' `classifyReferences`
 * does: `solid` owners exist and are not waiting for their dependents;
 * `dangling` owners do not exist (404, or another object under that name);
 * `waiting` owners exist, marked for deletion with the `foregroundDeletion`
 * finalizer. A reference that cannot be checked (an unknown kind, a
 * namespaced owner of a cluster-scoped object) counts as solid, so it never
 * causes a deletion.
 */
export interface ClassifiedRefs {
  readonly solid: Ref[];
  readonly dangling: Ref[];
  readonly waiting: Ref[];
  /** The subset of `solid` that could not be checked, for the log. */
  readonly unresolvable: Ref[];
}

/** How many absent owner uids are remembered (Kubernetes keeps 500 per cache). */
const ABSENT_OWNERS = 1000;

/**
 * uids of owners known not to exist. A uid is never reused, so once absent is
 * absent for good: remembering it saves one GET per dependent when an owner
 * with many dependents is deleted. Least recently used entries go first.
 */
export class AbsentOwnerCache {
  private readonly uids = new Set<string>();

  constructor(private readonly capacity = ABSENT_OWNERS) {}

  has(uid: string): boolean {
    if (!this.uids.has(uid)) return false;
    // Move to the back: Set iteration order is insertion order.
    this.uids.delete(uid);
    this.uids.add(uid);
    return true;
  }

  add(uid: string): void {
    this.uids.delete(uid);
    this.uids.add(uid);
    if (this.uids.size <= this.capacity) return;
    const oldest = this.uids.values().next();
    if (!oldest.done) this.uids.delete(oldest.value);
  }
}

/**
 * Looks up owners in the graph first and asks the apiserver only about those
 * the caches do not hold, so an absent owner is always confirmed by a live
 * GET before anything is deleted because of it (an owner created a moment ago
 * may not be cached yet; one that never existed never will be).
 */
export class OwnerResolver {
  constructor(
    private readonly graph: DependencyGraph,
    private readonly client: Pick<Client, "get">,
    private readonly absent = new AbsentOwnerCache(),
  ) {}

  async classify(dependent: ObjectId, refs: readonly Ref[]): Promise<ClassifiedRefs> {
    const result: ClassifiedRefs = { solid: [], dangling: [], waiting: [], unresolvable: [] };
    // One at a time, as Kubernetes does: dependents rarely have more than one owner.
    for (const ref of refs) {
      const owner = await this.lookup(ref, dependent);
      if (owner === "unresolvable") {
        result.solid.push(ref);
        result.unresolvable.push(ref);
      } else if (owner === undefined) result.dangling.push(ref);
      else if (isDeletingDependents(owner)) result.waiting.push(ref);
      else result.solid.push(ref);
    }
    return result;
  }

  /** The owner `ref` names (cached or live), undefined when it does not exist. */
  private async lookup(ref: Ref, dependent: ObjectId): Promise<ReadonlyObject | undefined | "unresolvable"> {
    const id = ownerIdOf(ref, dependent);
    if (typeof id === "string") return "unresolvable";
    if (this.absent.has(id.uid)) return undefined;
    const cached = this.graph.get(id);
    if (cached) return cached;
    try {
      const live = await this.client.get<ApiObject>(id.info, id.namespace, id.name);
      if (live.metadata?.uid === id.uid) return live;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.absent.add(id.uid);
    return undefined;
  }
}
