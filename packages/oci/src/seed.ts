/**
 * Seeds the cluster's registry with the images built here: busybox (as
 * library/busybox, which is what "busybox" means once containerd maps
 * docker.io to our registry) under "latest" and its version, and the pause
 * image the node's containerd uses for pod sandboxes.
 */
import { buildBusyboxImage, buildPauseImage, busyboxVersion, DEFAULT_BUSYBOX_PATH } from "./busybox.js";
import { pushImage } from "./registry-client.js";

export const BUSYBOX_IMAGE_REPOSITORY = "library/busybox";
export const SANDBOX_IMAGE_REPOSITORY = "ktl/pause";
export const SANDBOX_IMAGE_TAG = "3.9";

/** e.g. "127.0.0.1:5000/ktl/pause:3.9", for containerd's sandbox_image. */
export function sandboxImageRef(registry: string): string {
  return `${registryHost(registry)}/${SANDBOX_IMAGE_REPOSITORY}:${SANDBOX_IMAGE_TAG}`;
}

/** "http://127.0.0.1:5000/" → "127.0.0.1:5000": references name hosts, not URLs. */
function registryHost(registry: string): string {
  return registry.replace(/^https?:\/\//, "").replace(/\/+$/, "");
}

export interface SeededImage {
  /** e.g. "127.0.0.1:5000/library/busybox:1.35" */
  readonly reference: string;
  readonly repository: string;
  readonly tag: string;
  /** The manifest digest. */
  readonly digest: string;
}

export interface SeedOptions {
  /** e.g. "127.0.0.1:5000" */
  readonly registry: string;
  readonly busyboxPath?: string;
}

/**
 * Builds and pushes library/busybox:latest, library/busybox:<major.minor>
 * and :<major.minor.patch> (e.g. 1.35 and 1.35.0, so that a rolling update
 * can move to another tag) and ktl/pause:3.9. Pushing again uploads nothing
 * new: the builds are deterministic.
 */
export async function seedImages(options: SeedOptions): Promise<SeededImage[]> {
  const busyboxPath = options.busyboxPath ?? DEFAULT_BUSYBOX_PATH;
  const [busybox, pause, version] = await Promise.all([
    buildBusyboxImage({ busyboxPath }),
    buildPauseImage({ busyboxPath }),
    busyboxVersion(busyboxPath),
  ]);
  const minor = version.split(".").slice(0, 2).join(".");
  const pushes = [
    ...[...new Set(["latest", minor, version])].map((tag) => ({
      repository: BUSYBOX_IMAGE_REPOSITORY,
      tag,
      image: busybox,
    })),
    { repository: SANDBOX_IMAGE_REPOSITORY, tag: SANDBOX_IMAGE_TAG, image: pause },
  ];
  const seeded: SeededImage[] = [];
  for (const push of pushes) {
    const digest = await pushImage({ registry: options.registry, ...push });
    seeded.push({
      reference: `${registryHost(options.registry)}/${push.repository}:${push.tag}`,
      repository: push.repository,
      tag: push.tag,
      digest,
    });
  }
  return seeded;
}
