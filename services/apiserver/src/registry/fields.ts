import type { ResourceInfo } from "@ktl/api";
import { badRequest, type FieldSelector } from "@ktl/apimachinery";
import type { KubeObject } from "../storage/object.js";

type Getter = (obj: KubeObject) => string | undefined;

const dig =
  (...path: string[]): Getter =>
  (obj) => {
    let value: unknown = obj;
    for (const part of path) value = (value as Record<string, unknown> | undefined)?.[part];
    if (typeof value === "string") return value;
    return typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
  };

const COMMON: Record<string, Getter> = {
  "metadata.name": dig("metadata", "name"),
  "metadata.namespace": dig("metadata", "namespace"),
};

/** The fields each kind can be selected by, as Kubernetes' field label conversions allow. */
const BY_KIND: Record<string, Record<string, Getter>> = {
  Pod: {
    "spec.nodeName": dig("spec", "nodeName"),
    "spec.restartPolicy": dig("spec", "restartPolicy"),
    "spec.schedulerName": dig("spec", "schedulerName"),
    "spec.serviceAccountName": dig("spec", "serviceAccountName"),
    "spec.hostNetwork": (obj) =>
      String(Boolean((obj.spec as { hostNetwork?: boolean } | undefined)?.hostNetwork)),
    "status.phase": dig("status", "phase"),
    "status.podIP": dig("status", "podIP"),
    "status.nominatedNodeName": dig("status", "nominatedNodeName"),
  },
  Node: {
    "spec.unschedulable": (obj) =>
      String(Boolean((obj.spec as { unschedulable?: boolean } | undefined)?.unschedulable)),
  },
  Namespace: { "status.phase": dig("status", "phase") },
  ReplicaSet: { "status.replicas": dig("status", "replicas") },
  Event: {
    "involvedObject.kind": dig("involvedObject", "kind"),
    "involvedObject.namespace": dig("involvedObject", "namespace"),
    "involvedObject.name": dig("involvedObject", "name"),
    "involvedObject.uid": dig("involvedObject", "uid"),
    "involvedObject.apiVersion": dig("involvedObject", "apiVersion"),
    "involvedObject.resourceVersion": dig("involvedObject", "resourceVersion"),
    "involvedObject.fieldPath": dig("involvedObject", "fieldPath"),
    reason: dig("reason"),
    reportingComponent: dig("reportingComponent"),
    source: dig("source", "component"),
    type: dig("type"),
  },
};

/**
 * Compiles a field selector for a kind into a predicate; 400 for a field the
 * kind cannot be selected by. Only the fields the selector names are read.
 */
export function fieldMatcher(info: ResourceInfo, selector: FieldSelector): (obj: KubeObject) => boolean {
  if (selector.empty()) return () => true;
  const known: Record<string, Getter> = { ...COMMON, ...BY_KIND[info.kind] };
  const used: [string, Getter][] = [];
  for (const requirement of selector.requirements) {
    const get = known[requirement.field];
    if (!get) throw badRequest(`field label not supported: ${requirement.field}`);
    used.push([requirement.field, get]);
  }
  return (obj) => {
    const fields: Record<string, string> = {};
    for (const [name, get] of used) fields[name] = get(obj) ?? "";
    return selector.matches(fields);
  };
}
