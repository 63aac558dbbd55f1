/**
 * `ktl image seed [--registry host:port] [--busybox PATH]`: builds the
 * `busybox` images (latest, x.y, x.y.z) and the pod sandbox (pause) image from
 * the host's busybox-static and pushes them, as `ktl cluster up` does for its
 * own registry — for a registry it did not start (deploy/multi-node).
 */
import { access, constants } from "node:fs/promises";
import { DEFAULT_BUSYBOX_PATH, RegistryError, seedImages } from "@ktl/oci";
import { CliError, UsageError } from "../cli/errors.js";
import type { Command } from "../cli/registry.js";
import { clusterPaths, ktlHome } from "../cluster/home.js";
import { chooseRegistry } from "../cluster/image-targets.js";
import { readState } from "../cluster/state.js";

export const imageSeedCommand: Command = {
  path: ["image", "seed"],
  summary: "Build busybox and the pause image from the host's busybox-static and push them to a registry",
  usage: "ktl image seed [--registry HOST:PORT] [--busybox PATH] [flags]",
  flags: [
    {
      name: "registry",
      type: "string",
      help: "The registry, host:port (default: the local cluster's, from $KTL_HOME/state.json).",
    },
    {
      name: "busybox",
      type: "string",
      help: "The static busybox binary (default /bin/busybox, from busybox-static).",
    },
  ],
  run: async (ctx, args, flags) => {
    if (args.length > 0) throw new UsageError(`unexpected argument ${args[0]}`);
    const paths = clusterPaths(ktlHome(ctx.io.env));
    const flag = flags.string("registry");
    const cluster = flag ? undefined : (await readState(paths.stateFile))?.addresses.registry;
    const registry = chooseRegistry({ flag, name: "", cluster, stateFile: paths.stateFile });
    const busyboxPath = flags.string("busybox") || DEFAULT_BUSYBOX_PATH;
    await access(busyboxPath, constants.X_OK).catch(() => {
      throw new CliError(`${busyboxPath} not found: install busybox-static or pass --busybox`);
    });
    let seeded;
    try {
      seeded = await seedImages({ registry, busyboxPath });
    } catch (err) {
      const e = err as Error;
      if (err instanceof RegistryError && err.status === undefined)
        throw new CliError(`cannot reach the registry at ${registry}: ${err.message}`);
      throw new CliError(`seeding ${registry}: ${e.message}`);
    }
    for (const image of seeded) ctx.out(`pushed ${image.reference} (${image.digest})\n`);
  },
};
