/**
 * Image references by Docker's rules, as archives name their images:
 * "busybox:latest" → docker.io, library/busybox, latest.
 */

export interface ImageReference {
  /** e.g. "docker.io", "127.0.0.1:5000". */
  readonly registry: string;
  /** e.g. "library/busybox". */
  readonly repository: string;
  /** e.g. "latest" (the default); absent when only a digest is given. */
  readonly tag?: string;
  readonly digest?: string;
}

export const DOCKER_HUB = "docker.io";

const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REPOSITORY_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^[\w][\w.-]{0,127}$/;

export function isValidRepository(repository: string): boolean {
  return repository.length <= 255 && REPOSITORY_RE.test(repository);
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** Parses a reference; a bare name gets docker.io, "library/" and tag "latest". */
export function parseReference(reference: string): ImageReference {
  let rest = reference.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let registry = DOCKER_HUB;
  const slash = rest.indexOf("/");
  const first = slash >= 0 ? rest.slice(0, slash) : "";
  // Only a first component that looks like a host names a registry.
  if (first && (first.includes(".") || first.includes(":") || first === "localhost")) {
    registry = first === "index.docker.io" ? DOCKER_HUB : first;
    rest = rest.slice(slash + 1);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!isValidRepository(rest) || (tag !== undefined && !isValidTag(tag))) {
    throw new Error(`invalid image reference ${JSON.stringify(reference)}`);
  }
  if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new Error(`invalid digest in image reference ${JSON.stringify(reference)}`);
  }
  const repository = registry === DOCKER_HUB && !rest.includes("/") ? `library/${rest}` : rest;
  return { registry, repository, tag: tag ?? (digest ? undefined : "latest"), digest };
}
