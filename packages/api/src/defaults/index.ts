/**
 * Server-side defaults per kind. `applyDefaults` mutates the object it is
 * given, so callers pass a fresh copy (a decoded request body). It only sets
 * spec fields (and a namespace's phase); status is the apiserver's business.
 */
import type { Deployment, Endpoints, Namespace, Node, Pod, ReplicaSet, Service } from "../gen/types.js";
import { defaultDeployment, defaultReplicaSet } from "./apps.js";
import { defaultEndpoints, defaultNamespace, defaultNode } from "./core.js";
import { defaultPod } from "./pod.js";
import { defaultService } from "./service.js";

export { defaultPullPolicy, parseImage } from "./image.js";
export { isExternallyAccessible } from "./service.js";

const DEFAULTERS: Record<string, (obj: never) => void> = {
  Pod: (obj: Pod) => defaultPod(obj),
  Deployment: (obj: Deployment) => defaultDeployment(obj),
  ReplicaSet: (obj: ReplicaSet) => defaultReplicaSet(obj),
  Service: (obj: Service) => defaultService(obj),
  Endpoints: (obj: Endpoints) => defaultEndpoints(obj),
  Namespace: (obj: Namespace) => defaultNamespace(obj),
  Node: (obj: Node) => defaultNode(obj),
};

/** Fills in Kubernetes' defaults for `kind`; kinds without defaults are left alone. */
export function applyDefaults(kind: string, obj: unknown): void {
  if (obj == null || typeof obj !== "object" || Array.isArray(obj)) return;
  try {
    DEFAULTERS[kind]?.(obj as never);
  } catch (err) {
    // A body of the wrong shape (say, `spec: "x"`) can make a defaulter assign
    // into a primitive; leave it half-defaulted, validation reports the shape.
    if (!(err instanceof TypeError)) throw err;
  }
}
