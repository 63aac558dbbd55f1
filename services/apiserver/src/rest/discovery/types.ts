/**
 * The discovery documents' wire types, as kube-apiserver serialises them
 * (meta/v1 APIVersions, APIGroupList, APIGroup, APIResourceList and
 * apidiscovery.k8s.io v2/v2beta1 APIGroupDiscoveryList). Optional fields are
 * Go omitempty ones and are left out rather than sent empty.
 */

export interface ServerAddressByClientCIDR {
  readonly clientCIDR: string;
  readonly serverAddress: string;
}

/** `/api` */
export interface APIVersions {
  readonly kind: "APIVersions";
  readonly versions: readonly string[];
  readonly serverAddressByClientCIDRs: readonly ServerAddressByClientCIDR[];
}

export interface GroupVersionForDiscovery {
  readonly groupVersion: string;
  readonly version: string;
}

export interface APIGroupBody {
  readonly name: string;
  readonly versions: readonly GroupVersionForDiscovery[];
  readonly preferredVersion: GroupVersionForDiscovery;
}

/** `/apis/<group>` */
export interface APIGroup extends APIGroupBody {
  readonly kind: "APIGroup";
  readonly apiVersion: "v1";
}

/** `/apis` */
export interface APIGroupList {
  readonly kind: "APIGroupList";
  readonly apiVersion: "v1";
  readonly groups: readonly APIGroupBody[];
}

export interface APIResource {
  readonly name: string;
  /** "" for subresources, as Kubernetes sends it. */
  readonly singularName: string;
  readonly namespaced: boolean;
  /** Set only when the response kind lives in another group/version (deployments/scale). */
  readonly group?: string;
  readonly version?: string;
  readonly kind: string;
  readonly verbs: readonly string[];
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly storageVersionHash?: string;
}

/** `/api/v1`, `/apis/<group>/<version>` */
export interface APIResourceList {
  readonly kind: "APIResourceList";
  readonly apiVersion: "v1";
  readonly groupVersion: string;
  readonly resources: readonly APIResource[];
}

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface APISubresourceDiscovery {
  readonly subresource: string;
  readonly responseKind: GroupVersionKind;
  readonly verbs: readonly string[];
}

export interface APIResourceDiscovery {
  readonly resource: string;
  readonly responseKind: GroupVersionKind;
  readonly scope: "Namespaced" | "Cluster";
  readonly singularResource: string;
  readonly verbs: readonly string[];
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly subresources?: readonly APISubresourceDiscovery[];
}

export interface APIVersionDiscovery {
  readonly version: string;
  readonly resources: readonly APIResourceDiscovery[];
  readonly freshness: "Current" | "Stale";
}

export interface APIGroupDiscovery {
  /** The core group has no name. */
  readonly metadata: { readonly name?: string };
  readonly versions: readonly APIVersionDiscovery[];
}

export type AggregatedDiscoveryVersion = "v2" | "v2beta1";

/** Aggregated discovery for `/api` or `/apis` (kubectl 1.26+). */
export interface APIGroupDiscoveryList {
  readonly kind: "APIGroupDiscoveryList";
  readonly apiVersion: `apidiscovery.k8s.io/${AggregatedDiscoveryVersion}`;
  readonly metadata: Record<string, never>;
  readonly items: readonly APIGroupDiscovery[];
}
