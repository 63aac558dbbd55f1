/**
 * What the steps of one Deployment sync share: the controller's means
 * (`SyncContext`) and the pass's working state (`SyncState`). Kubernetes
 * keeps the first on the controller struct and passes the second around as
 * arguments; one object each keeps the step functions' signatures short.
 */
import type { Deployment, Pod } from "@ktl/api";
import type { DeepReadonly } from "@ktl/informers";
import type { EventRecorder } from "@ktl/events";
import type { Logger } from "@ktl/service";
import type { DeploymentControl } from "./control.js";
import type { ReadonlyReplicaSet } from "./util/replica-sets.js";

export type ReadonlyPod = DeepReadonly<Pod>;

export interface SyncContext {
  readonly control: DeploymentControl;
  readonly log: Logger;
  /** Records ScalingReplicaSet; absent in unit tests. */
  readonly recorder?: EventRecorder;
  /** Wall-clock time in ms: condition timestamps are wall-clock, and tests inject a clock. */
  readonly now: () => number;
}

/**
 * One pass over one Deployment. `d` is a private copy of the cached
 * Deployment: its spec is what this pass acts on, its status and
 * resourceVersion follow this pass's own writes, so consecutive writes in a
 * pass do not conflict with each other. The ReplicaSets likewise are the
 * claimed ones as last read or written in this pass.
 */
export class SyncState {
  private replicaSets: ReadonlyReplicaSet[];

  constructor(
    readonly d: Deployment,
    rsList: readonly ReadonlyReplicaSet[],
    /** Pods by the uid of the ReplicaSet controlling them (terminating ones included). */
    readonly podMap: ReadonlyMap<string, readonly ReadonlyPod[]> = new Map(),
  ) {
    this.replicaSets = [...rsList];
  }

  get rsList(): readonly ReadonlyReplicaSet[] {
    return this.replicaSets;
  }

  /** Records `rs` as written or created in this pass. */
  track(rs: ReadonlyReplicaSet): ReadonlyReplicaSet {
    const uid = rs.metadata?.uid;
    const i = this.replicaSets.findIndex((r) => r.metadata?.uid === uid);
    if (i >= 0) this.replicaSets[i] = rs;
    else this.replicaSets.push(rs);
    return rs;
  }

  /** Records the deletion of `rs`. */
  forget(rs: ReadonlyReplicaSet): void {
    this.replicaSets = this.replicaSets.filter((r) => r.metadata?.uid !== rs.metadata?.uid);
  }

  /** The latest state of `rs` known to this pass. */
  latest(rs: ReadonlyReplicaSet): ReadonlyReplicaSet;
  latest(rs: ReadonlyReplicaSet | undefined): ReadonlyReplicaSet | undefined;
  latest(rs: ReadonlyReplicaSet | undefined): ReadonlyReplicaSet | undefined {
    if (rs === undefined) return undefined;
    return this.replicaSets.find((r) => r.metadata?.uid === rs.metadata?.uid) ?? rs;
  }
}
