/**
 * Image references the way containerd's CRI normalizes them (Docker's rules):
 * "busybox" → "docker.io/library/busybox:latest". A first path component with
 * a "." or ":" (or "localhost") is a registry host; otherwise it is docker.io.
 */
import { parseReference, type ImageReference } from "@ktl/oci";

/** A reference split into registry, repository, tag and digest (one parser for the whole project: @ktl/oci's). */
export type ImageRef = ImageReference;

export const parseImageRef: (ref: string) => ImageRef = parseReference;

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
