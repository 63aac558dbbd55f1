import type { Pod, PodStatus } from "@ktl/api";
import type { DeepReadonly } from "@ktl/informers";
import type { StartFailure } from "./container-statuses.js";

/**
 * What the pod manager remembers about one pod (by uid) between syncs: the
 * kubelet's pod manager entry, reason cache and status manager cache in one.
 * Only the pod's worker writes it, except `pod`, which informer handlers
 * replace; syncs read a clone of it.
 */
export interface PodRecord {
  readonly uid: string;
  /** The pod as last seen from the API (the informer's object, never mutated); undefined once it is gone from the API. */
  pod: DeepReadonly<Pod> | undefined;
  /** namespace and name, kept after the pod is gone (for logs and the log directory). */
  namespace: string;
  name: string;
  /** Why containers could not be started by the last attempt, by container name. */
  readonly failures: Map<string, StartFailure>;
  /** The last status generated for the pod (what later statuses are derived from). */
  status: PodStatus | undefined;
  /** The last status written to the API. */
  written: PodStatus | undefined;
  /** The grace period termination started with; it may only get shorter. */
  grace: number | undefined;
  /** Set while termination waits for containers to stop: cuts the wait short (a shorter grace period arrived). */
  interruptKill: (() => void) | undefined;
}

export function newPodRecord(uid: string, namespace: string, name: string): PodRecord {
  return {
    uid,
    pod: undefined,
    namespace,
    name,
    failures: new Map(),
    status: undefined,
    written: undefined,
    grace: undefined,
    interruptKill: undefined,
  };
}
