/** Defaults for the small core kinds: Endpoints, Namespace, Node. */
import type { Endpoints, Namespace, Node } from "../gen/types.js";

/** Label every namespace carries with its own name, so selectors can pick namespaces by name. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

export function defaultEndpoints(ep: Endpoints): void {
  for (const subset of ep.subsets ?? []) {
    for (const port of subset.ports ?? []) {
      if (!port.protocol) port.protocol = "TCP";
    }
  }
}

export function defaultNamespace(ns: Namespace): void {
  const name = ns.metadata?.name;
  if (name) {
    ns.metadata ??= {};
    ns.metadata.labels = { ...ns.metadata.labels, [NAMESPACE_NAME_LABEL]: name };
  }
  ns.spec ??= {};
  // The namespace controller removes "kubernetes" once the namespace's contents are gone.
  if (ns.spec.finalizers == null || ns.spec.finalizers.length === 0) ns.spec.finalizers = ["kubernetes"];
  ns.status ??= {};
  if (!ns.status.phase) ns.status.phase = "Active";
}

export function defaultNode(node: Node): void {
  const status = node.status;
  // A node that reports only capacity has all of it allocatable.
  if (status?.capacity != null && status.allocatable == null) status.allocatable = { ...status.capacity };
}
