/**
 * containerd's per-registry host configuration (certs.d/<host>/hosts.toml,
 * read on every pull). A node pulls only from the cluster's local registry:
 * - "127.0.0.1:PORT/…" is pulled over plain HTTP;
 * - "docker.io/…" (what a bare name like "busybox" normalizes to) is served
 *   by the same local registry, so a pod spec can say "busybox" and the
 *   machine never contacts Docker Hub;
 * - every other registry ("quay.io/…") falls to certs.d/_default, which
 *   points at the local registry as well, so such a pull fails with NotFound
 *   instead of going out. The kubelet still refuses those references up front
 *   with isAllowedImage(ref, localRegistries(…)) → ErrImagePull, so the
 *   safety does not rest on containerd's fallback rules alone.
 * All verified against containerd 1.6.20 in a network namespace with nothing
 * but loopback (test/integration/node/registry-hosts.test.ts).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface RegistryHostsOptions {
  /** The certs.d directory (containerd's registry config_path). */
  readonly configPath: string;
  /** The local registry, "127.0.0.1:PORT". */
  readonly registry: string;
}

/** Registries that image references may name (see isAllowedImage). */
export function localRegistries(registry: string): string[] {
  return [registry, "docker.io"];
}

/** containerd's fallback directory for registries without their own. */
export const DEFAULT_HOSTS_DIR = "_default";

export function hostsToml(registry: string): string {
  const url = `http://${registry}`;
  // Both parts are needed. `server` replaces the registry's default upstream
  // (for docker.io: https://registry-1.docker.io), which containerd otherwise
  // appends as the last host to try. containerd 1.6 rejects a file without a
  // [host] table ("invalid `host` tree") and then silently falls back to that
  // default upstream, so the table is there even though it names the same URL.
  return [
    "# Written by @ktl/cri: pulls go to the cluster's local registry, over plain HTTP.",
    `server = "${url}"`,
    "",
    `[host."${url}"]`,
    `  capabilities = ["pull", "resolve"]`,
    "",
  ].join("\n");
}

export async function writeRegistryHosts(options: RegistryHostsOptions): Promise<void> {
  for (const host of [...localRegistries(options.registry), DEFAULT_HOSTS_DIR]) {
    const dir = join(options.configPath, host);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "hosts.toml"), hostsToml(options.registry));
  }
}
