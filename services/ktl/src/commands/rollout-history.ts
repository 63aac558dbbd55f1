/**
 * `ktl rollout history deploy/NAME [--revision=N]`: the revisions of the
 * Deployment's ReplicaSets with their change-cause, or one revision's pod
 * template, printed exactly as kubectl prints them.
 */
import { CliError } from "../cli/errors.js";
import type { Command } from "../cli/registry.js";
import { kindPrefix } from "../client/discovery.js";
import { describePodTemplate } from "../describe/common.js";
import { CHANGE_CAUSE, revisions } from "../describe/revisions.js";
import { DescribeWriter } from "../describe/writer.js";
import { DESCRIBE, tabulate } from "../printers/tabwriter.js";
import { deploymentTargets, getDeployment } from "./deployment-target.js";

export const rolloutHistoryCommand: Command = {
  path: ["rollout", "history"],
  summary: "View rollout history",
  usage: "ktl rollout history (TYPE NAME | TYPE/NAME) [--revision=N] [flags]",
  flags: [
    {
      name: "revision",
      type: "int",
      default: 0,
      help: "See the details, including podTemplate of the revision specified",
    },
  ],
  run: async (ctx, args, flags) => {
    for (const target of await deploymentTargets(ctx, args, "history viewer")) {
      const d = await getDeployment(ctx, target);
      const history = await revisions(ctx, d);
      const prefix = `${kindPrefix(target.resource)}/${target.name}`;
      const wanted = flags.int("revision");
      if (wanted > 0) {
        const rs = history.get(wanted);
        if (!rs) throw new CliError(`unable to find the specified revision`);
        const w = new DescribeWriter(false);
        describePodTemplate(w, rs.spec?.template);
        ctx.out(`${prefix} with revision #${wanted}\n${w.toString()}\n`);
        continue;
      }
      let table = "REVISION\tCHANGE-CAUSE\n";
      for (const [rev, rs] of history)
        table += `${rev}\t${rs.metadata?.annotations?.[CHANGE_CAUSE] || "<none>"}\n`;
      ctx.out(`${prefix} \n${tabulate(table, DESCRIBE)}\n`);
    }
  },
};
