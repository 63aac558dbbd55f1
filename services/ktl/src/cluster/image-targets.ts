/**
 * What `ktl image push` pushes where: each image of an archive under the
 * names the archive gives it, or under --name; and which registry.
 */
import { DOCKER_HUB, parseReference, type ArchiveImage, type Image } from "@ktl/oci";
import { CliError } from "../cli/errors.js";

export interface PushTarget {
  readonly image: Image;
  /** e.g. "library/app" */
  readonly repository: string;
  readonly tag: string;
}

/** A --name's registry when it names one ("127.0.0.1:5000/app:1"); docker.io and bare names give none. */
export function nameRegistry(name: string): string | undefined {
  const ref = parseName(name);
  return ref.registry === DOCKER_HUB ? undefined : ref.registry;
}

function parseName(name: string): ReturnType<typeof parseReference> {
  let ref: ReturnType<typeof parseReference>;
  try {
    ref = parseReference(name);
  } catch (err) {
    throw new CliError(`--name: ${(err as Error).message}`);
  }
  if (ref.digest) throw new CliError(`--name ${name}: give a tag, not a digest`);
  return ref;
}

/**
 * The registry to push to: --registry, else the one --name names, else the
 * local cluster's. A --registry and a --name that disagree are an error.
 */
export function chooseRegistry(options: {
  flag: string;
  name: string;
  cluster: string | undefined;
  stateFile: string;
}): string {
  const fromName = options.name ? nameRegistry(options.name) : undefined;
  if (options.flag && fromName && fromName !== options.flag)
    throw new CliError(
      `--name ${options.name} names registry ${fromName}, but --registry is ${options.flag}`,
    );
  const registry = options.flag || fromName || options.cluster;
  if (!registry)
    throw new CliError(
      `no --registry given and no local cluster (${options.stateFile} does not exist); run \`ktl cluster up\` or pass --registry host:port`,
    );
  return registry.replace(/^https?:\/\//, "").replace(/\/+$/, "");
}

/** The pushes for the images read from `file`. */
export function pushTargets(images: readonly ArchiveImage[], name: string, file: string): PushTarget[] {
  if (images.length === 0) throw new CliError(`${file} holds no images`);
  if (name) {
    if (images.length > 1)
      throw new CliError(
        `--name names one image, but ${file} holds ${images.length}; push it without --name`,
      );
    const ref = parseName(name);
    const [only] = images;
    if (!only) throw new CliError(`${file} holds no images`);
    return [{ image: only.image, repository: ref.repository, tag: ref.tag ?? "latest" }];
  }
  const targets: PushTarget[] = [];
  images.forEach(({ image, tags }, i) => {
    const which = images.length > 1 ? `image ${i + 1} of ${file}` : file;
    if (tags.length === 0) throw new CliError(`${which} has no name; give one with --name REPOSITORY:TAG`);
    for (const t of tags) {
      if (!t.repository)
        throw new CliError(
          `${which} is named only "${t.name}" (a tag); give the repository with --name REPOSITORY:TAG`,
        );
      targets.push({ image, repository: t.repository, tag: t.tag });
    }
  });
  return targets;
}
