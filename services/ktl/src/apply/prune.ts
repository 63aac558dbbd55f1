/**
 * `ktl apply --prune`: kubectl's (pre-ApplySet) pruning. After every object
 * applied, the objects of the allowlisted kinds that match the selector — in
 * the namespaces the manifests touched, and cluster-wide for cluster-scoped
 * kinds — which carry the last-applied annotation (so were applied once) but
 * were not applied this time are deleted, each printed as `… pruned`.
 */
import type { Context } from "../cli/context.js";
import { dryRunQuery, dryRunSuffix, type DryRun } from "../cli/dry-run.js";
import { CliError } from "../cli/errors.js";
import { kindPrefix, type ApiResource, type Discovery } from "../client/discovery.js";
import { resourcePath } from "../client/paths.js";
import { isNotFound } from "../client/rest.js";
import { LAST_APPLIED } from "./last-applied.js";
import type { KubeObject } from "./manifests.js";

/** kubectl's default allowlist (namespaced kinds first); kinds the server does not serve are left out. */
export const DEFAULT_PRUNE_ALLOWLIST: readonly string[] = [
  "core/v1/ConfigMap",
  "core/v1/Endpoints",
  "core/v1/PersistentVolumeClaim",
  "core/v1/Pod",
  "core/v1/ReplicationController",
  "core/v1/Secret",
  "core/v1/Service",
  "batch/v1/Job",
  "batch/v1/CronJob",
  "networking.k8s.io/v1/Ingress",
  "apps/v1/DaemonSet",
  "apps/v1/Deployment",
  "apps/v1/ReplicaSet",
  "apps/v1/StatefulSet",
  "core/v1/Namespace",
  "core/v1/PersistentVolume",
];

/** The resources to prune: --prune-allowlist's (each must be served), else kubectl's defaults the server has. */
export function pruneResources(discovery: Discovery, allowlist: readonly string[]): ApiResource[] {
  const explicit = allowlist.length > 0;
  const out: ApiResource[] = [];
  for (const entry of explicit ? allowlist : DEFAULT_PRUNE_ALLOWLIST) {
    const parts = entry.split("/");
    if (parts.length !== 3)
      throw new CliError(`invalid GroupVersionKind format: ${entry}, please follow <group/version/kind>`);
    const [group = "", version = "", kind = ""] = parts;
    const apiVersion = group === "core" || group === "" ? version : `${group}/${version}`;
    const resource = discovery.forKind(apiVersion, kind);
    if (resource) out.push(resource);
    else if (explicit) throw new CliError(`no matches for kind "${kind}" in version "${apiVersion}"`);
  }
  // Namespaced kinds are pruned first, namespace by namespace, then cluster-scoped ones.
  return [...out.filter((r) => r.namespaced), ...out.filter((r) => !r.namespaced)];
}

export interface PruneOptions {
  readonly selector: string;
  readonly resources: readonly ApiResource[];
  readonly dryRun: DryRun;
  /** -o name prints `kind/name` only. */
  readonly nameOnly: boolean;
}

const text = (v: unknown): string => (typeof v === "string" ? v : "");

/** Deletes what was applied before but not now; `applied` are the objects just applied. */
export async function prune(
  ctx: Context,
  applied: readonly KubeObject[],
  options: PruneOptions,
): Promise<void> {
  const keep = new Set(applied.map((o) => text(o.metadata?.uid)).filter(Boolean));
  const namespaces = [...new Set(applied.map((o) => text(o.metadata?.namespace)).filter(Boolean))];
  const client = ctx.client();
  const visit = async (resource: ApiResource, namespace: string | undefined): Promise<void> => {
    const list = await client.request<{ items?: KubeObject[] }>("GET", resourcePath(resource, namespace), {
      query: { labelSelector: options.selector },
    });
    for (const item of list.items ?? []) {
      const meta = item.metadata ?? {};
      const annotations = (meta.annotations ?? {}) as Record<string, string>;
      if (!(LAST_APPLIED in annotations) || keep.has(text(meta.uid))) continue;
      const name = text(meta.name);
      if (options.dryRun !== "client") {
        try {
          await client.request("DELETE", resourcePath(resource, namespace, name), {
            body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" },
            query: dryRunQuery(options.dryRun),
          });
        } catch (err) {
          if (isNotFound(err)) continue;
          throw err;
        }
      }
      const shown = `${kindPrefix(resource)}/${name}`;
      ctx.out(options.nameOnly ? `${shown}\n` : `${shown} pruned${dryRunSuffix(options.dryRun)}\n`);
    }
  };
  for (const namespace of namespaces)
    for (const resource of options.resources.filter((r) => r.namespaced)) await visit(resource, namespace);
  for (const resource of options.resources.filter((r) => !r.namespaced)) await visit(resource, undefined);
}
