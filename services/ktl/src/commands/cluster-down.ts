/** `ktl cluster down [--purge]`: stops the local cluster and removes what it left on the machine. */
import type { Command } from "../cli/registry.js";
import { clusterDown } from "../cluster/down.js";
import { ktlHome } from "../cluster/home.js";

export const clusterDownCommand: Command = {
  path: ["cluster", "down"],
  summary: "Stop the local cluster and clean up after it (data kept unless --purge)",
  usage: "ktl cluster down [--purge] [flags]",
  flags: [
    { name: "purge", type: "bool", help: "Also delete the data, logs and kubeconfig under $KTL_HOME." },
  ],
  run: async (ctx, args, flags) => {
    if (args.length > 0) throw new Error(`unexpected argument "${args[0]}"`);
    await clusterDown({
      home: ktlHome(ctx.io.env),
      purge: flags.bool("purge"),
      say: (line) => ctx.out(`${line}\n`),
    });
  },
};
