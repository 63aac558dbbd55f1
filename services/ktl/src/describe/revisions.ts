/**
 * Deployment revisions, as kubectl's rollout history and undo read them:
 * the ReplicaSets a Deployment controls, keyed by their
 * `deployment.kubernetes.io/revision` annotation.
 */
import type { Context } from "../cli/context.js";
import type { Deployment, PodTemplateSpec, ReplicaSet } from "@ktl/api";
import { controlledBy, selectorQuery } from "./common.js";
import { jsonEqual } from "../apply/three-way.js";

export const REVISION = "deployment.kubernetes.io/revision";
export const CHANGE_CAUSE = "kubernetes.io/change-cause";
const HASH_LABEL = "pod-template-hash";

function withoutHash(template: PodTemplateSpec | undefined): PodTemplateSpec {
  const labels = { ...(template?.metadata?.labels ?? {}) };
  delete labels[HASH_LABEL];
  return { ...(template ?? {}), metadata: { ...(template?.metadata ?? {}), labels } };
}

export function templatesEqualIgnoringHash(
  a: PodTemplateSpec | undefined,
  b: PodTemplateSpec | undefined,
): boolean {
  return jsonEqual(withoutHash(a), withoutHash(b));
}

/** The ReplicaSet's template without the pod-template-hash label (what undo writes back). */
export function templateWithoutHash(template: PodTemplateSpec | undefined): PodTemplateSpec {
  return withoutHash(template);
}

export async function controlledReplicaSets(ctx: Context, deployment: Deployment): Promise<ReplicaSet[]> {
  const ns = deployment.metadata?.namespace ?? "";
  const list = await ctx
    .client()
    .request<{ items?: ReplicaSet[] }>("GET", `/apis/apps/v1/namespaces/${ns}/replicasets`, {
      query: { labelSelector: selectorQuery(deployment.spec?.selector) },
    });
  return (list.items ?? []).filter((rs) => controlledBy(rs, deployment.metadata?.uid));
}

export function revisionOf(rs: ReplicaSet): number {
  const n = Number(rs.metadata?.annotations?.[REVISION]);
  return Number.isFinite(n) ? n : 0;
}

/** Revision → ReplicaSet, for the revisions present. */
export async function revisions(ctx: Context, deployment: Deployment): Promise<Map<number, ReplicaSet>> {
  const out = new Map<number, ReplicaSet>();
  for (const rs of await controlledReplicaSets(ctx, deployment)) {
    const rev = revisionOf(rs);
    if (rev > 0) out.set(rev, rs);
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}
