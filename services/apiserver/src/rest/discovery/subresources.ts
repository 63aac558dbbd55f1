/**
 * What each subresource answers with and allows, as kube-apiserver lists them
 * in discovery: status echoes the parent kind, scale is autoscaling/v1 Scale,
 * binding takes a Binding, log returns the pod's log text (kind Pod), exec
 * takes PodExecOptions (create for SPDY's POST, get for WebSocket), finalize
 * updates a Namespace.
 */
import type { ResourceInfo, Verb } from "@ktl/api";
import type { GroupVersionKind } from "./types.js";

export interface SubresourceInfo {
  readonly name: string;
  readonly responseKind: GroupVersionKind;
  readonly verbs: readonly Verb[];
}

const GET_PATCH_UPDATE: readonly Verb[] = ["get", "patch", "update"];

export function subresourceInfo(parent: ResourceInfo, name: string): SubresourceInfo {
  const own: GroupVersionKind = { group: parent.group, version: parent.version, kind: parent.kind };
  const core = (kind: string): GroupVersionKind => ({ group: "", version: "v1", kind });
  switch (name) {
    case "status":
      return { name, responseKind: own, verbs: GET_PATCH_UPDATE };
    case "scale":
      return {
        name,
        responseKind: { group: "autoscaling", version: "v1", kind: "Scale" },
        verbs: GET_PATCH_UPDATE,
      };
    case "binding":
      return { name, responseKind: core("Binding"), verbs: ["create"] };
    case "log":
      return { name, responseKind: own, verbs: ["get"] };
    case "exec":
      return { name, responseKind: core("PodExecOptions"), verbs: ["create", "get"] };
    case "finalize":
      return { name, responseKind: own, verbs: ["update"] };
    case "eviction":
      return { name, responseKind: { group: "policy", version: "v1", kind: "Eviction" }, verbs: ["create"] };
    default:
      return { name, responseKind: own, verbs: ["get"] };
  }
}

/** A resource's subresources, sorted by name as discovery lists them. */
export function subresourcesOf(parent: ResourceInfo): SubresourceInfo[] {
  return [...parent.subresources].sort().map((name) => subresourceInfo(parent, name));
}
