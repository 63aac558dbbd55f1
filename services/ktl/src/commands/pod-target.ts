/**
 * The pod a command acts on, as kubectl's AttachablePodForObject picks it:
 * POD or pod/NAME itself, or for a workload (deploy/web, rs/x) its best pod
 * (ready, running, newest) and how many it chose from.
 */
import type { Context } from "../cli/context.js";
import { CliError } from "../cli/errors.js";
import { resourcePath } from "../client/paths.js";
import { resolveTargets } from "../client/targets.js";
import type { LabelSelector, Pod } from "@ktl/api";
import { selectorQuery } from "../describe/common.js";

/** kubectl prefers ready, running, then newer pods. */
function rank(pod: Pod): number[] {
  const ready = (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
  const running = pod.status?.phase === "Running";
  return [ready ? 0 : 1, running ? 0 : 1, -Date.parse(pod.metadata?.creationTimestamp ?? "0")];
}

export interface AttachablePod {
  readonly namespace: string;
  readonly name: string;
  readonly pod: Pod;
  /** How many pods the workload had (1 for a pod). */
  readonly candidates: number;
}

/** The pod `arg` names; a missing pod is the server's NotFound. */
export async function attachablePod(ctx: Context, arg: string, verb: string): Promise<AttachablePod> {
  const [target] = await resolveTargets(ctx, [arg.includes("/") ? arg : `pods/${arg}`], { verb });
  if (!target?.name) throw new CliError(`cannot ${verb} ${arg}`);
  if (target.resource.kind === "Pod") {
    const namespace = target.namespace ?? ctx.namespace();
    const pod = await ctx.client().request<Pod>("GET", resourcePath(target.resource, namespace, target.name));
    return { namespace, name: target.name, pod, candidates: 1 };
  }
  const obj = await ctx
    .client()
    .request<{ spec?: { selector?: LabelSelector } }>(
      "GET",
      resourcePath(target.resource, target.namespace, target.name),
    );
  const selector = selectorQuery(obj.spec?.selector);
  if (!selector) throw new CliError(`cannot ${verb} ${target.resource.kind}`);
  const pods = await ctx
    .client()
    .request<{ items?: Pod[] }>("GET", `/api/v1/namespaces/${target.namespace ?? ""}/pods`, {
      query: { labelSelector: selector },
    });
  const items = [...(pods.items ?? [])].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) if ((ra[i] ?? 0) !== (rb[i] ?? 0)) return (ra[i] ?? 0) - (rb[i] ?? 0);
    return 0;
  });
  const pod = items[0];
  if (!pod) throw new CliError(`timed out waiting for the condition`);
  return {
    namespace: target.namespace ?? ctx.namespace(),
    name: pod.metadata?.name ?? "",
    pod,
    candidates: items.length,
  };
}
