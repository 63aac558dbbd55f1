/**
 * `ktl rollout status deploy/NAME`: kubectl's DeploymentStatusViewer
 * messages, printed as they change until the rollout finishes, fails its
 * progress deadline, or --timeout passes.
 */
import type { Context } from "../cli/context.js";
import { parseDuration } from "../cli/duration.js";
import { CliError } from "../cli/errors.js";
import type { Flags } from "../cli/flags.js";
import type { Command } from "../cli/registry.js";
import { sleep } from "../cli/wait.js";
import type { Deployment } from "@ktl/api";
import { deploymentTargets, getDeployment } from "./deployment-target.js";
import { revisions } from "../describe/revisions.js";

/** The status line and whether the rollout is done; throws when it failed. */
export function deploymentStatus(d: Deployment): { message: string; done: boolean } {
  const name = d.metadata?.name ?? "";
  const status = d.status ?? {};
  if ((d.metadata?.generation ?? 0) <= (status.observedGeneration ?? 0)) {
    const progressing = (status.conditions ?? []).find((c) => c.type === "Progressing");
    if (progressing?.reason === "ProgressDeadlineExceeded")
      throw new CliError(`deployment "${name}" exceeded its progress deadline`);
    const desired = d.spec?.replicas ?? 1;
    const updated = status.updatedReplicas ?? 0;
    const replicas = status.replicas ?? 0;
    const available = status.availableReplicas ?? 0;
    if (updated < desired)
      return {
        message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${desired} new replicas have been updated...\n`,
        done: false,
      };
    if (replicas > updated)
      return {
        message: `Waiting for deployment "${name}" rollout to finish: ${replicas - updated} old replicas are pending termination...\n`,
        done: false,
      };
    if (available < updated)
      return {
        message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...\n`,
        done: false,
      };
    return { message: `deployment "${name}" successfully rolled out\n`, done: true };
  }
  return { message: "Waiting for deployment spec update to be observed...\n", done: false };
}

async function run(ctx: Context, args: string[], flags: Flags): Promise<void> {
  const [target] = await deploymentTargets(ctx, args, "status viewer", flags.strings("filename"));
  if (!target) throw new CliError("required resource not specified");
  const timeoutMs = parseDuration(flags.string("timeout") || "0s", "timeout");
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
  const wanted = flags.int("revision");
  let last = "";
  for (;;) {
    const d = await getDeployment(ctx, target);
    if (wanted > 0) {
      const current = Number(d.metadata?.annotations?.["deployment.kubernetes.io/revision"] ?? 0);
      if (current !== wanted && !(await revisions(ctx, d)).has(wanted))
        throw new CliError(
          `desired revision (${wanted}) is different from the running revision (${current})`,
        );
    }
    const { message, done } = deploymentStatus(d);
    if (message !== last) ctx.out(message);
    last = message;
    if (done || !flags.bool("watch")) return;
    if (Date.now() >= deadline) throw new CliError("timed out waiting for the condition");
    await sleep(Math.min(300, Math.max(0, deadline - Date.now())));
  }
}

export const rolloutStatusCommand: Command = {
  path: ["rollout", "status"],
  summary: "Show the status of the rollout",
  usage: "ktl rollout status (TYPE NAME | TYPE/NAME) [flags]",
  flags: [
    {
      name: "watch",
      short: "w",
      type: "bool",
      default: true,
      help: "Watch the status of the rollout until it's done.",
    },
    {
      name: "timeout",
      type: "string",
      default: "0s",
      help: "The length of time to wait before ending watch, zero means never.",
    },
    { name: "revision", type: "int", default: 0, help: "Pin to a specific revision for showing its status." },
    { name: "filename", short: "f", type: "strings", help: "Files identifying the resource." },
  ],
  run,
};
