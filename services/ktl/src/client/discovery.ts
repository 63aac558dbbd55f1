/**
 * Discovery and resource resolution, as kubectl's RESTMapper does it: the
 * served resources come from `/api` and `/apis` (each group's preferred
 * version), and a user's word — `pods`, `pod`, `po`, `Pod`, `deploy.apps`,
 * `deployments.v1.apps` — or a manifest's apiVersion/kind maps to one of them.
 */
import { CliError } from "../cli/errors.js";
import type { RestClient } from "./rest.js";

export interface ApiResource {
  readonly group: string;
  readonly version: string;
  /** "v1" or "apps/v1". */
  readonly groupVersion: string;
  /** Plural, as in paths: "deployments". */
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly string[];
  /** e.g. "status", "scale", "log". */
  readonly subresources: readonly string[];
}

interface ApiResourceList {
  groupVersion: string;
  resources: {
    name: string;
    singularName?: string;
    namespaced: boolean;
    kind: string;
    verbs?: string[];
    shortNames?: string[];
    categories?: string[];
  }[];
}

interface ApiGroupList {
  groups: { name: string; preferredVersion?: { groupVersion: string; version: string } }[];
}

/** `deployment.apps` for apps/Deployment, `pod` for core Pods: kubectl's object prefix. */
export function kindPrefix(r: Pick<ApiResource, "kind" | "group">): string {
  const kind = r.kind.toLowerCase();
  return r.group ? `${kind}.${r.group}` : kind;
}

/** `deployments.apps`, `pods`: how Status messages name a resource. */
export function qualifiedResource(r: Pick<ApiResource, "resource" | "group">): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

export class Discovery {
  private constructor(readonly resources: readonly ApiResource[]) {}

  static fromLists(lists: readonly ApiResourceList[]): Discovery {
    const out: ApiResource[] = [];
    for (const list of lists) {
      const [group, version] = list.groupVersion.includes("/")
        ? (list.groupVersion.split("/") as [string, string])
        : ["", list.groupVersion];
      const subresources = new Map<string, string[]>();
      for (const r of list.resources) {
        const [base, sub] = r.name.split("/");
        if (base && sub) subresources.set(base, [...(subresources.get(base) ?? []), sub]);
      }
      for (const r of list.resources) {
        if (r.name.includes("/")) continue;
        out.push({
          group,
          version,
          groupVersion: list.groupVersion,
          resource: r.name,
          singular: r.singularName || r.kind.toLowerCase(),
          kind: r.kind,
          namespaced: r.namespaced,
          shortNames: r.shortNames ?? [],
          categories: r.categories ?? [],
          verbs: r.verbs ?? [],
          subresources: subresources.get(r.name) ?? [],
        });
      }
    }
    return new Discovery(out);
  }

  static async load(client: RestClient): Promise<Discovery> {
    const [core, groups] = await Promise.all([
      client.request<{ versions?: string[] }>("GET", "/api"),
      client.request<ApiGroupList>("GET", "/apis"),
    ]);
    const paths = [
      ...(core.versions ?? []).map((v) => `/api/${v}`),
      ...(groups.groups ?? []).flatMap((g) =>
        g.preferredVersion ? [`/apis/${g.preferredVersion.groupVersion}`] : [],
      ),
    ];
    const lists = await Promise.all(paths.map((p) => client.request<ApiResourceList>("GET", p)));
    return Discovery.fromLists(lists);
  }

  /**
   * The resource a user's word names: resource[.version][.group] matched
   * against plural, singular, short names and kind (case-insensitively).
   */
  resolve(word: string): ApiResource {
    const found = this.tryResolve(word);
    if (!found) throw new CliError(`the server doesn't have a resource type "${word}"`);
    return found;
  }

  tryResolve(word: string): ApiResource | undefined {
    const lower = word.toLowerCase();
    const matches = (r: ApiResource, name: string): boolean =>
      r.resource === name ||
      r.singular === name ||
      r.shortNames.includes(name) ||
      r.kind.toLowerCase() === name;
    // Whole word first (no group), then split at each dot: name.group, name.version.group.
    const direct = this.resources.find((r) => matches(r, lower));
    if (direct) return direct;
    const parts = lower.split(".");
    for (let i = 1; i < parts.length; i++) {
      const name = parts.slice(0, i).join(".");
      const rest = parts.slice(i);
      const group = rest.join(".");
      const hit = this.resources.find((r) => matches(r, name) && r.group === group);
      if (hit) return hit;
      const [version, ...groupParts] = rest;
      const vgroup = groupParts.join(".");
      const vhit = this.resources.find(
        (r) => matches(r, name) && r.version === version && r.group === vgroup,
      );
      if (vhit) return vhit;
    }
    return undefined;
  }

  /** The resource of a manifest's apiVersion and kind. */
  forKind(apiVersion: string, kind: string): ApiResource | undefined {
    return this.resources.find((r) => r.groupVersion === apiVersion && r.kind === kind);
  }

  /** The resources of a category (`all`), in discovery order. */
  category(name: string): ApiResource[] {
    return this.resources.filter((r) => r.categories.includes(name));
  }
}
