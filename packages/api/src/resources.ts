/**
 * The table of kinds this API serves: one entry per resource, read by the
 * apiserver (routes, discovery, storage keys), clients and the CLI. Adding a
 * kind is a proto message plus an entry here.
 */

export type Verb = "create" | "delete" | "deletecollection" | "get" | "list" | "patch" | "update" | "watch";

export interface ResourceInfo {
  /** "" for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural lower-case name used in paths: "pods". */
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Fully qualified protobuf message, e.g. "ktl.core.v1.Pod". */
  readonly protoType: string;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly Verb[];
  /** Subresources served besides the main resource, e.g. "status", "scale". */
  readonly subresources: readonly string[];
  /** Where this kind is kept: etcd (the default), or NATS for Events. */
  readonly storage: "etcd" | "nats";
}

const ALL_VERBS: readonly Verb[] = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
];

function resource(
  info: Omit<ResourceInfo, "verbs" | "shortNames" | "categories" | "subresources" | "storage"> &
    Partial<ResourceInfo>,
): ResourceInfo {
  return {
    verbs: ALL_VERBS,
    shortNames: [],
    categories: [],
    subresources: [],
    storage: "etcd",
    ...info,
  };
}

export const RESOURCES: readonly ResourceInfo[] = [
  resource({
    group: "",
    version: "v1",
    resource: "namespaces",
    singular: "namespace",
    kind: "Namespace",
    namespaced: false,
    protoType: "ktl.core.v1.Namespace",
    shortNames: ["ns"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    subresources: ["status", "finalize"],
  }),
  resource({
    group: "",
    version: "v1",
    resource: "nodes",
    singular: "node",
    kind: "Node",
    namespaced: false,
    protoType: "ktl.core.v1.Node",
    shortNames: ["no"],
    subresources: ["status"],
  }),
  resource({
    group: "",
    version: "v1",
    resource: "pods",
    singular: "pod",
    kind: "Pod",
    namespaced: true,
    protoType: "ktl.core.v1.Pod",
    shortNames: ["po"],
    categories: ["all"],
    subresources: ["status", "binding", "log", "exec"],
  }),
  resource({
    group: "",
    version: "v1",
    resource: "services",
    singular: "service",
    kind: "Service",
    namespaced: true,
    protoType: "ktl.core.v1.Service",
    shortNames: ["svc"],
    categories: ["all"],
    verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    subresources: ["status"],
  }),
  resource({
    group: "",
    version: "v1",
    resource: "endpoints",
    singular: "endpoints",
    kind: "Endpoints",
    namespaced: true,
    protoType: "ktl.core.v1.Endpoints",
    shortNames: ["ep"],
  }),
  resource({
    group: "",
    version: "v1",
    resource: "configmaps",
    singular: "configmap",
    kind: "ConfigMap",
    namespaced: true,
    protoType: "ktl.core.v1.ConfigMap",
    shortNames: ["cm"],
  }),
  resource({
    group: "",
    version: "v1",
    resource: "events",
    singular: "event",
    kind: "Event",
    namespaced: true,
    protoType: "ktl.core.v1.Event",
    shortNames: ["ev"],
    storage: "nats",
  }),
  resource({
    group: "apps",
    version: "v1",
    resource: "replicasets",
    singular: "replicaset",
    kind: "ReplicaSet",
    namespaced: true,
    protoType: "ktl.apps.v1.ReplicaSet",
    shortNames: ["rs"],
    categories: ["all"],
    subresources: ["status", "scale"],
  }),
  resource({
    group: "apps",
    version: "v1",
    resource: "deployments",
    singular: "deployment",
    kind: "Deployment",
    namespaced: true,
    protoType: "ktl.apps.v1.Deployment",
    shortNames: ["deploy"],
    categories: ["all"],
    subresources: ["status", "scale"],
  }),
  resource({
    group: "coordination.k8s.io",
    version: "v1",
    resource: "leases",
    singular: "lease",
    kind: "Lease",
    namespaced: true,
    protoType: "ktl.coordination.v1.Lease",
  }),
];

/** "v1" for the core group, "apps/v1" otherwise. */
export function apiVersionOf(info: Pick<ResourceInfo, "group" | "version">): string {
  return info.group === "" ? info.version : `${info.group}/${info.version}`;
}

const byGroupResource = new Map(RESOURCES.map((r) => [`${r.group}/${r.resource}`, r]));
const byKind = new Map(RESOURCES.map((r) => [`${apiVersionOf(r)}/${r.kind}`, r]));

export function findResource(group: string, resourceName: string): ResourceInfo | undefined {
  return byGroupResource.get(`${group}/${resourceName}`);
}

export function findKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return byKind.get(`${apiVersion}/${kind}`);
}

/** Resolves what a user types (`po`, `pod`, `pods`, `deployments.apps`) to a resource. */
export function resolveResourceName(name: string): ResourceInfo | undefined {
  const lower = name.toLowerCase();
  const [base, ...groupParts] = lower.split(".");
  const group = groupParts.length > 0 ? groupParts.join(".") : undefined;
  return RESOURCES.find(
    (r) =>
      (group === undefined || r.group === group || (group === "" && r.group === "")) &&
      (r.resource === base ||
        r.singular === base ||
        r.shortNames.includes(base ?? "") ||
        r.kind.toLowerCase() === base),
  );
}
