import type { ResourceInfo } from "@ktl/api";

/**
 * etcd key layout: /registry/<group>/<resource>/<namespace>/<name>, with "core"
 * for the core group and no namespace segment for cluster-scoped kinds. Every
 * key the cluster writes lives under the one root, so that one etcd watch over
 * it sees every revision (see watch-cacher.ts).
 */
export class KeySpace {
  constructor(readonly root = "/registry") {}

  /** "/registry/core/pods/" — every object of a kind. */
  kindPrefix(info: ResourceInfo): string {
    return `${this.root}/${info.group || "core"}/${info.resource}/`;
  }

  /** "/registry/core/pods/default/" — or the kind prefix for all namespaces / cluster scope. */
  listPrefix(info: ResourceInfo, namespace: string | undefined): string {
    return info.namespaced && namespace ? `${this.kindPrefix(info)}${namespace}/` : this.kindPrefix(info);
  }

  objectKey(info: ResourceInfo, namespace: string | undefined, name: string): string {
    return info.namespaced
      ? `${this.kindPrefix(info)}${namespace ?? ""}/${name}`
      : `${this.kindPrefix(info)}${name}`;
  }
}
