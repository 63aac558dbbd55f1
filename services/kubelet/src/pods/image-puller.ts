import { defaultPullPolicy, parseImage, type Container, type Pod } from "@ktl/api";
import { CriCode, CriError, type CallOptions, type ImageService, type PodSandboxConfig } from "@ktl/cri";
import type { Backoff } from "./backoff.js";

/** Why an image is not there to start a container from; `reason` is the container's waiting reason. */
export class ImagePullError extends Error {
  override readonly name = "ImagePullError";
  constructor(
    readonly reason:
      "ErrImagePull" | "ImagePullBackOff" | "ErrImageNeverPull" | "InvalidImageName" | "ImageInspectError",
    message: string,
  ) {
    super(message);
  }
}

export interface ImagePullerOptions {
  readonly images: ImageService;
  /** Per pod and image: failed pulls are retried after a growing delay. */
  readonly backoff: Backoff;
  /** Returns an error message to refuse pulling `image` (e.g. a registry the node must not reach). */
  readonly allowedImage?: (image: string) => string | undefined;
  readonly now?: () => number;
}

/**
 * Makes sure the container's image is on the node and returns its reference
 * for CreateContainer (the kubelet's imageManager.EnsureImageExists): the
 * default ":latest" tag is applied, then the pull policy decides (Always
 * pulls every time, IfNotPresent when absent, Never refuses to pull;
 * unset means Always for ":latest" and IfNotPresent otherwise). A failed pull
 * is ErrImagePull and starts a back-off, during which further attempts are
 * ImagePullBackOff without contacting the registry.
 */
export async function ensureImageExists(
  options: ImagePullerOptions,
  request: { pod: Pod; container: Container; sandboxConfig: PodSandboxConfig },
  call: CallOptions = {},
): Promise<string> {
  const spec = request.container.image ?? "";
  const image = withDefaultTag(spec);
  if (image === undefined) {
    throw new ImagePullError(
      "InvalidImageName",
      `Failed to apply default image tag "${spec}": couldn't parse image name "${spec}": invalid reference format`,
    );
  }
  let imageRef = "";
  try {
    const { image: present } = await options.images.imageStatus({ image: { image } }, call);
    imageRef = present?.id ?? "";
  } catch (err) {
    throw new ImagePullError("ImageInspectError", `Failed to inspect image "${image}": ${criMessage(err)}`);
  }
  const policy = request.container.imagePullPolicy || defaultPullPolicy(spec);
  if (policy === "Never" || (policy === "IfNotPresent" && imageRef !== "")) {
    if (imageRef !== "") return imageRef;
    throw new ImagePullError(
      "ErrImageNeverPull",
      `Container image "${image}" is not present with pull policy of Never`,
    );
  }

  const now = options.now ?? Date.now;
  const key = imageBackoffKey(request.pod, image);
  if (options.backoff.isInBackOffSinceUpdate(key, now())) {
    throw new ImagePullError("ImagePullBackOff", `Back-off pulling image "${image}"`);
  }
  const refused = options.allowedImage?.(image);
  if (refused !== undefined) {
    options.backoff.next(key, now());
    throw new ImagePullError("ErrImagePull", refused);
  }
  try {
    const { imageRef: pulled } = await options.images.pullImage(
      { image: { image, userSpecifiedImage: spec }, sandboxConfig: request.sandboxConfig },
      call,
    );
    return pulled || imageRef;
  } catch (err) {
    if (call.signal?.aborted) throw err;
    options.backoff.next(key, now());
    throw new ImagePullError("ErrImagePull", criMessage(err));
  }
}

/** The pull back-off key: per pod and (tagged) image, as the kubelet keys it. */
export function imageBackoffKey(pod: Pod, taggedImage: string): string {
  return `${pod.metadata?.uid ?? ""}_${taggedImage}`;
}

/** `image` with ":latest" when it has neither tag nor digest (applyDefaultImageTag); undefined when unparseable. */
export function withDefaultTag(image: string): string | undefined {
  const { tag, digest } = parseImage(image);
  if (!tag && !digest) return undefined;
  if (digest || hasTag(image)) return image;
  return `${image}:${tag}`;
}

function hasTag(image: string): boolean {
  const slash = image.lastIndexOf("/");
  return image.lastIndexOf(":") > slash;
}

/** A CRI error as Go's gRPC errors print: "rpc error: code = NotFound desc = …". */
export function criMessage(err: unknown): string {
  if (err instanceof CriError) return `rpc error: code = ${codeName(err.code)} desc = ${err.details}`;
  return err instanceof Error ? err.message : String(err);
}

function codeName(code: number): string {
  const name = (CriCode as unknown as Record<number, string>)[code] ?? String(code);
  return name
    .toLowerCase()
    .split("_")
    .map((w) => (w === "ok" ? "OK" : w.charAt(0).toUpperCase() + w.slice(1)))
    .join("");
}
