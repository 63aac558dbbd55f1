/** `ktl cluster status`: each component's pid, liveness, health and address; exit 1 if any is down. */
import { CliError, SilentError } from "../cli/errors.js";
import type { Command } from "../cli/registry.js";
import { ktlHome } from "../cluster/home.js";
import { allHealthy, clusterStatus } from "../cluster/status.js";
import { GET_TABLE, Tabwriter } from "../printers/tabwriter.js";

export const clusterStatusCommand: Command = {
  path: ["cluster", "status"],
  summary: "Show whether each component of the local cluster runs and is healthy",
  usage: "ktl cluster status [flags]",
  run: async (ctx, args) => {
    if (args.length > 0) throw new Error(`unexpected argument "${args[0]}"`);
    const home = ktlHome(ctx.io.env);
    const rows = await clusterStatus(home);
    if (!rows) throw new CliError(`no cluster under ${home} (run \`ktl cluster up\`)`);
    const w = new Tabwriter(GET_TABLE);
    w.write("COMPONENT\tPID\tSTATUS\tHEALTH\tADDRESS\n");
    for (const r of rows)
      w.write(
        `${r.name}\t${r.pid ?? "-"}\t${r.running ? "running" : "stopped"}\t${r.health}\t${r.address}\n`,
      );
    ctx.out(w.flush());
    if (!allHealthy(rows)) throw new SilentError(1);
  },
};
