/**
 * `ktl image push FILE|DIR [--name repo:tag] [--registry host:port]`: pushes
 * the images of a `docker save` tar or an OCI layout (directory or tar) to
 * the local cluster's registry (or --registry), under the names the archive
 * gives them or --name.
 */
import { readImageArchive, pushImage, RegistryError, type ArchiveImage } from "@ktl/oci";
import { CliError, UsageError } from "../cli/errors.js";
import type { Command } from "../cli/registry.js";
import { clusterPaths, ktlHome } from "../cluster/home.js";
import { chooseRegistry, pushTargets } from "../cluster/image-targets.js";
import { readState } from "../cluster/state.js";

async function readArchive(file: string): Promise<ArchiveImage[]> {
  try {
    return await readImageArchive(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ENOENT") throw new CliError(`${file}: no such file or directory`);
    if (e.code === "EACCES") throw new CliError(`${file}: permission denied`);
    throw new CliError(`cannot read images from ${file}: ${e.message}`);
  }
}

export const imagePushCommand: Command = {
  path: ["image", "push"],
  summary: "Push the images of a docker save archive or OCI layout to the cluster's registry",
  usage: "ktl image push FILE|DIR [--name REPOSITORY:TAG] [--registry HOST:PORT] [flags]",
  flags: [
    { name: "name", type: "string", help: "Push the archive's (only) image under this name, e.g. app:1." },
    {
      name: "registry",
      type: "string",
      help: "The registry, host:port (default: the local cluster's, from $KTL_HOME/state.json).",
    },
  ],
  run: async (ctx, args, flags) => {
    const [file] = args;
    if (!file || args.length > 1) throw new UsageError("give one FILE or DIR to push");
    const paths = clusterPaths(ktlHome(ctx.io.env));
    const name = flags.string("name");
    const flag = flags.string("registry");
    // The cluster's state is only needed (and only read) when nothing else names a registry.
    const cluster = flag ? undefined : (await readState(paths.stateFile))?.addresses.registry;
    const registry = chooseRegistry({ flag, name, cluster, stateFile: paths.stateFile });
    const targets = pushTargets(await readArchive(file), name, file);
    for (const t of targets) {
      const reference = `${registry}/${t.repository}:${t.tag}`;
      let digest: string;
      try {
        digest = await pushImage({ registry, repository: t.repository, tag: t.tag, image: t.image });
      } catch (err) {
        if (err instanceof RegistryError && err.status === undefined && err.cause !== undefined)
          throw new CliError(`${err.message}; is the cluster up? (ktl cluster status)`);
        throw new CliError(`pushing ${reference}: ${(err as Error).message}`);
      }
      ctx.out(`pushed ${reference} (${digest})\n`);
    }
  },
};
