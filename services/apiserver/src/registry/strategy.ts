import type { Container, PodSpec } from "@ktl/api";
import { prepareServiceUpdate } from "../services/service-fields.js";
import type { KubeObject } from "../storage/object.js";

/**
 * What differs per kind when objects are written, as Kubernetes' rest
 * strategies do: which parts a client may set through the main resource and
 * which only through the status subresource.
 */
export interface Strategy {
  /** Kinds with a status subresource ignore status on create and on main-resource updates. */
  readonly hasStatus: boolean;
  /** Fills in what the server decides at creation (e.g. a pod's phase). */
  prepareForCreate(obj: KubeObject): void;
  /**
   * Adjusts a main-resource update before defaulting and validation, from
   * the stored object (e.g. a Service keeps the values allocated to it).
   */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
}

const withStatus = (initial: (obj: KubeObject) => unknown): Strategy => ({
  hasStatus: true,
  prepareForCreate(obj) {
    const status = initial(obj);
    if (status === undefined) delete obj.status;
    else obj.status = status;
  },
});

const plain: Strategy = { hasStatus: false, prepareForCreate: () => undefined };

const STRATEGIES: Record<string, Strategy> = {
  Pod: withStatus((obj) => ({ phase: "Pending", qosClass: qosClass(obj.spec as PodSpec | undefined) })),
  Deployment: withStatus(() => ({})),
  ReplicaSet: withStatus(() => ({ replicas: 0 })),
  Service: {
    ...withStatus(() => ({ loadBalancer: {} })),
    prepareForUpdate: (obj, old) => prepareServiceUpdate(obj, old),
  },
  Namespace: withStatus(() => ({ phase: "Active" })),
  // The kubelet registers its Node with a status already filled in.
  Node: { hasStatus: true, prepareForCreate: () => undefined },
};

export function strategyFor(kind: string): Strategy {
  return STRATEGIES[kind] ?? plain;
}

/** Kubernetes' QoS classes: Guaranteed, Burstable or BestEffort. */
export function qosClass(spec: PodSpec | undefined): string {
  const containers: Container[] = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const requests = c.resources?.requests ?? {};
    const limits = c.resources?.limits ?? {};
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) any = true;
    for (const resource of ["cpu", "memory"]) {
      const limit = limits[resource];
      const request = requests[resource] ?? limit;
      if (limit === undefined || request !== limit) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}
