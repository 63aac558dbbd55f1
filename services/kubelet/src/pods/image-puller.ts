import { defaultPullPolicy, parseImage, type Container, type Pod } from "@ktl/api";
import { CriCode, CriError, type CallOptions, type ImageService, type PodSandboxConfig } from "@ktl/cri";
import type { Backoff } from "./backoff.js";
import { containerReference, type PodEventRecorder } from "./pod-events.js";
import { goDuration } from "./timestamps.js";

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
  /** Records the kubelet's image events (Pulling, Pulled, Failed, BackOff, …) on the container. */
  readonly recorder?: PodEventRecorder;
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
  // The kubelet's image events (imageManager.logIt) name the image as the spec has it.
  const ref = (): ReturnType<typeof containerReference> =>
    containerReference(request.pod, request.container.name ?? "");
  const record = (type: "Normal" | "Warning", reason: string, message: string): void =>
    options.recorder?.event(ref(), type, reason, message);
  const image = withDefaultTag(spec);
  if (image === undefined) {
    const message = `Failed to apply default image tag "${spec}": couldn't parse image name "${spec}": invalid reference format`;
    record("Warning", "InspectFailed", message);
    throw new ImagePullError("InvalidImageName", message);
  }
  let imageRef = "";
  try {
    const { image: present } = await options.images.imageStatus({ image: { image } }, call);
    imageRef = present?.id ?? "";
  } catch (err) {
    const message = `Failed to inspect image "${image}": ${criMessage(err)}`;
    record("Warning", "InspectFailed", message);
    throw new ImagePullError("ImageInspectError", message);
  }
  const policy = request.container.imagePullPolicy || defaultPullPolicy(spec);
  if (policy === "Never" || (policy === "IfNotPresent" && imageRef !== "")) {
    if (imageRef !== "") {
      record("Normal", "Pulled", `Container image "${spec}" already present on machine`);
      return imageRef;
    }
    const message = `Container image "${image}" is not present with pull policy of Never`;
    record("Warning", "ErrImageNeverPull", message);
    throw new ImagePullError("ErrImageNeverPull", message);
  }

  const now = options.now ?? Date.now;
  const key = imageBackoffKey(request.pod, image);
  if (options.backoff.isInBackOffSinceUpdate(key, now())) {
    record("Normal", "BackOff", `Back-off pulling image "${spec}"`);
    throw new ImagePullError("ImagePullBackOff", `Back-off pulling image "${image}"`);
  }
  record("Normal", "Pulling", `Pulling image "${spec}"`);
  const refused = options.allowedImage?.(image);
  if (refused !== undefined) {
    options.backoff.next(key, now());
    record("Warning", "Failed", `Failed to pull image "${spec}": ${refused}`);
    throw new ImagePullError("ErrImagePull", refused);
  }
  const started = now();
  try {
    const { imageRef: pulled } = await options.images.pullImage(
      { image: { image, userSpecifiedImage: spec }, sandboxConfig: request.sandboxConfig },
      call,
    );
    record(
      "Normal",
      "Pulled",
      `Successfully pulled image "${spec}" in ${goDuration(Math.max(0, now() - started))}`,
    );
    return pulled || imageRef;
  } catch (err) {
    if (call.signal?.aborted) throw err;
    options.backoff.next(key, now());
    const message = criMessage(err);
    record("Warning", "Failed", `Failed to pull image "${spec}": ${message}`);
    throw new ImagePullError("ErrImagePull", message);
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
