/**
 * `ktl rollout undo|restart|pause|resume` for Deployments, as kubectl does
 * them: undo writes a previous ReplicaSet's template back (a JSON patch),
 * restart stamps `kubectl.kubernetes.io/restartedAt` on the template, pause
 * and resume flip spec.paused.
 */
import { CliError } from "../cli/errors.js";
import type { Command } from "../cli/registry.js";
import { kindPrefix, qualifiedResource } from "../client/discovery.js";
import {
  REVISION,
  revisions,
  templatesEqualIgnoringHash,
  templateWithoutHash,
} from "../describe/revisions.js";
import { deploymentTargets, getDeployment, patchDeployment } from "./deployment-target.js";

/** Annotations undo keeps from the Deployment rather than copying from the ReplicaSet. */
const SKIPPED = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION,
  "deployment.kubernetes.io/revision-history",
  "deployment.kubernetes.io/desired-replicas",
  "deployment.kubernetes.io/max-replicas",
  "deprecated.deployment.rollback.to",
]);

export const rolloutUndoCommand: Command = {
  path: ["rollout", "undo"],
  summary: "Undo a previous rollout",
  usage: "ktl rollout undo (TYPE NAME | TYPE/NAME) [--to-revision=N] [flags]",
  flags: [
    {
      name: "to-revision",
      type: "int",
      default: 0,
      help: "The revision to rollback to. Default to 0 (last revision).",
    },
  ],
  run: async (ctx, args, flags) => {
    for (const target of await deploymentTargets(ctx, args, "rollbacker")) {
      const d = await getDeployment(ctx, target);
      const prefix = `${kindPrefix(target.resource)}/${target.name}`;
      if (d.spec?.paused)
        throw new CliError(
          `you cannot rollback a paused deployment; resume it first with 'ktl rollout resume ${prefix}' and try again`,
        );
      const history = await revisions(ctx, d);
      const wanted = flags.int("to-revision");
      let rs;
      if (wanted > 0) {
        rs = history.get(wanted);
        if (!rs) throw new CliError(`unable to find specified revision ${wanted} in history`);
      } else {
        const revs = [...history.keys()];
        if (revs.length < 2) throw new CliError(`no rollout history found for deployment "${target.name}"`);
        rs = history.get(revs[revs.length - 2] ?? 0);
      }
      if (templatesEqualIgnoringHash(rs?.spec?.template, d.spec?.template)) {
        ctx.out(
          `${prefix} skipped rollback (current template already matches revision ${wanted || rs?.metadata?.annotations?.[REVISION]})\n`,
        );
        continue;
      }
      const annotations: Record<string, string> = {};
      for (const [k, v] of Object.entries(d.metadata?.annotations ?? {}))
        if (SKIPPED.has(k)) annotations[k] = v;
      for (const [k, v] of Object.entries(rs?.metadata?.annotations ?? {}))
        if (!SKIPPED.has(k)) annotations[k] = v;
      await patchDeployment(
        ctx,
        target,
        [
          { op: "replace", path: "/spec/template", value: templateWithoutHash(rs?.spec?.template) },
          { op: "replace", path: "/metadata/annotations", value: annotations },
        ],
        "application/json-patch+json",
      );
      ctx.out(`${prefix} rolled back\n`);
    }
  },
};

export const rolloutRestartCommand: Command = {
  path: ["rollout", "restart"],
  summary: "Restart a resource",
  usage: "ktl rollout restart (TYPE NAME | TYPE/NAME) [flags]",
  run: async (ctx, args) => {
    for (const target of await deploymentTargets(ctx, args, "restarter")) {
      const d = await getDeployment(ctx, target);
      if (d.spec?.paused)
        throw new CliError(
          `${qualifiedResource(target.resource)} "${target.name}" can't restart paused deployment (run rollout resume first)`,
        );
      const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      await patchDeployment(ctx, target, {
        spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": now } } } },
      });
      ctx.out(`${kindPrefix(target.resource)}/${target.name} restarted\n`);
    }
  },
};

function pauseCommand(pause: boolean): Command {
  const verb = pause ? "pause" : "resume";
  return {
    path: ["rollout", verb],
    summary: pause ? "Mark the provided resource as paused" : "Resume a paused resource",
    usage: `ktl rollout ${verb} (TYPE NAME | TYPE/NAME) [flags]`,
    run: async (ctx, args) => {
      for (const target of await deploymentTargets(ctx, args, pause ? "pauser" : "resumer")) {
        const d = await getDeployment(ctx, target);
        if ((d.spec?.paused === true) === pause)
          throw new CliError(
            `${qualifiedResource(target.resource)} "${target.name}" is ${pause ? "already paused" : "not paused"}`,
          );
        await patchDeployment(ctx, target, { spec: { paused: pause } });
        ctx.out(`${kindPrefix(target.resource)}/${target.name} ${pause ? "paused" : "resumed"}\n`);
      }
    },
  };
}

export const rolloutPauseCommand = pauseCommand(true);
export const rolloutResumeCommand = pauseCommand(false);
