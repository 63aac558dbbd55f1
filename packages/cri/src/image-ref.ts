/**
 * Image references the way containerd's CRI normalizes them (Docker's rules):
 * "busybox" → "docker.io/library/busybox:latest". A first path component with
 * a "." or ":" (or "localhost") is a registry host; otherwise it is docker.io.
 */

export interface ImageRef {
  /** e.g. "docker.io", "127.0.0.1:5000". */
  readonly registry: string;
  /** e.g. "library/busybox". */
  readonly repository: string;
  /** e.g. "latest"; absent when only a digest is given. */
  readonly tag?: string;
  /** e.g. "sha256:…". */
  readonly digest?: string;
}

const DOCKER_HUB = "docker.io";

export function parseImageRef(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let registry = DOCKER_HUB;
  const slash = rest.indexOf("/");
  const first = slash >= 0 ? rest.slice(0, slash) : "";
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
  if (
    !rest ||
    !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(rest)
  ) {
    throw new Error(`invalid image reference ${JSON.stringify(ref)}`);
  }
  const repository = registry === DOCKER_HUB && !rest.includes("/") ? `library/${rest}` : rest;
  return { registry, repository, tag: tag ?? (digest ? undefined : "latest"), digest };
}

/** The fully qualified form, e.g. "docker.io/library/busybox:latest". */
export function normalizeImageRef(ref: string): string {
  const r = parseImageRef(ref);
  return `${r.registry}/${r.repository}${r.tag ? `:${r.tag}` : ""}${r.digest ? `@${r.digest}` : ""}`;
}

/**
 * Whether pulling `ref` stays on the given registries (e.g. the local
 * registry and docker.io, which the node's hosts.toml redirects to it).
 * Anything else would make containerd contact that registry over the
 * network: the kubelet reports ErrImagePull instead. Invalid references are
 * not allowed.
 */
export function isAllowedImage(ref: string, allowedRegistries: readonly string[]): boolean {
  try {
    return allowedRegistries.includes(parseImageRef(ref).registry);
  } catch {
    return false;
  }
}
