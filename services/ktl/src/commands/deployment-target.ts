/**
 * The one Deployment a rollout/set verb works on: `deploy/web`,
 * `deployment web` or `deployments.apps/web`. Other kinds get kubectl's
 * "not implemented" wording.
 */
import type { Context } from "../cli/context.js";
import { CliError } from "../cli/errors.js";
import type { Deployment } from "@ktl/api";
import { resourcePath } from "../client/paths.js";
import { resolveTargets, type Target } from "../client/targets.js";

export interface DeploymentTarget extends Target {
  readonly name: string;
}

export async function deploymentTargets(
  ctx: Context,
  args: readonly string[],
  what: string,
  filenames: readonly string[] = [],
): Promise<DeploymentTarget[]> {
  const targets = await resolveTargets(ctx, args, { verb: what, filenames });
  return targets.map((t) => {
    if (t.name === undefined) throw new CliError("resource(s) were provided, but no name was specified");
    if (t.resource.group !== "apps" || t.resource.kind !== "Deployment")
      throw new CliError(`no ${what} has been implemented for {"${t.resource.group}" "${t.resource.kind}"}`);
    return { ...t, name: t.name };
  });
}

export function getDeployment(ctx: Context, t: DeploymentTarget): Promise<Deployment> {
  return ctx.client().request<Deployment>("GET", resourcePath(t.resource, t.namespace, t.name));
}

export function patchDeployment(
  ctx: Context,
  t: DeploymentTarget,
  patch: unknown,
  type = "application/strategic-merge-patch+json",
): Promise<Deployment> {
  return ctx.client().request<Deployment>("PATCH", resourcePath(t.resource, t.namespace, t.name), {
    body: patch,
    contentType: type,
  });
}
