/**
 * `ktl cluster logs COMPONENT [-f] [--tail N]`: a component's log from
 * $KTL_HOME/logs (etcd, nats, registry, apiserver, controller-manager,
 * scheduler, containerd-NODE, kubelet-NODE).
 */
import { stat } from "node:fs/promises";
import { CliError, UsageError } from "../cli/errors.js";
import type { Command } from "../cli/registry.js";
import { allComponents } from "../cluster/components.js";
import { followFile } from "../cluster/follow.js";
import { clusterPaths, ktlHome, logFile } from "../cluster/home.js";
import { tailLog } from "../cluster/lifecycle.js";
import { readState } from "../cluster/state.js";

export const clusterLogsCommand: Command = {
  path: ["cluster", "logs"],
  summary: "Print the log of a component of the local cluster",
  usage: "ktl cluster logs COMPONENT [-f] [--tail N] [flags]",
  flags: [
    { name: "follow", short: "f", type: "bool", help: "Keep printing what is appended to the log." },
    { name: "tail", type: "int", default: -1, help: "Lines of the end of the log to show; -1 for all." },
  ],
  run: async (ctx, args, flags) => {
    const home = ktlHome(ctx.io.env);
    const paths = clusterPaths(home);
    const state = await readState(paths.stateFile);
    if (!state) throw new CliError(`no cluster under ${home} (run \`ktl cluster up\`)`);
    const names = allComponents(paths, state.settings).map((c) => c.name);
    const [name] = args;
    if (!name || args.length > 1) throw new UsageError(`give one component: ${names.join(", ")}`);
    if (!names.includes(name))
      throw new CliError(`no component "${name}"; the components are ${names.join(", ")}`);
    const file = logFile(paths, name);
    const size = await stat(file).then(
      (s) => s.size,
      () => undefined,
    );
    if (size === undefined && !flags.bool("follow")) throw new CliError(`${name} has no log yet (${file})`);
    if (size !== undefined) ctx.out(await tailLog(file, flags.int("tail")));
    if (!flags.bool("follow")) return;
    // Until interrupted, as tail -f.
    const abort = new AbortController();
    const stop = (): void => abort.abort();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    try {
      await followFile(file, size ?? 0, (chunk) => ctx.out(chunk), abort.signal);
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
  },
};
