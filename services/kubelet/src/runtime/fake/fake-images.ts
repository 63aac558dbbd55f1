import { createHash } from "node:crypto";
import {
  CriCode,
  CriError,
  normalizeImageRef,
  parseImageRef,
  type CallOptions,
  type Image,
  type ImageFsInfoResponse,
  type ImageService,
  type ImageStatusRequest,
  type ImageStatusResponse,
  type ListImagesRequest,
  type ListImagesResponse,
  type PullImageRequest,
  type PullImageResponse,
  type RemoveImageRequest,
  type RemoveImageResponse,
} from "@ktl/cri";

export interface FakeImageServiceOptions {
  /** Images present from the start (references as a pod would name them). */
  readonly preloaded?: readonly string[];
  /**
   * Refuses a pull with the error returned; by default references whose name
   * contains "nonexistent" fail as a registry without them would.
   */
  readonly pullError?: (normalizedRef: string) => Error | undefined;
}

/** An image in the fake store. */
export interface FakeImage {
  /** "sha256:…", what PullImage returns and CreateContainer may be given. */
  readonly id: string;
  /** e.g. "docker.io/library/busybox:latest". */
  readonly repoTag: string;
  /** e.g. "docker.io/library/busybox@sha256:…", the ContainerStatus imageRef. */
  readonly repoDigest: string;
}

const FAKE_IMAGE_SIZE = 1_234_567;

/**
 * An in-memory ImageService: pulls succeed at once and only record the image
 * (ids and digests are derived from the name, so they are stable across
 * instances), except for names containing "nonexistent".
 */
export class FakeImageService implements ImageService {
  private readonly images = new Map<string, FakeImage>();
  private readonly pullError: (ref: string) => Error | undefined;
  /** How many PullImage calls were made, for tests of pull policies. */
  pulls = 0;

  constructor(options: FakeImageServiceOptions = {}) {
    this.pullError = options.pullError ?? defaultPullError;
    for (const ref of options.preloaded ?? []) this.add(ref);
  }

  /** The image for a reference, an image id or a repo digest; undefined when absent. */
  find(ref: string): FakeImage | undefined {
    const byKey = this.images.get(ref);
    if (byKey) return byKey;
    let normalized: string;
    try {
      normalized = normalizeImageRef(ref);
    } catch {
      return undefined;
    }
    return this.images.get(normalized);
  }

  /** Puts an image in the store as if pulled. */
  add(ref: string): FakeImage {
    const repoTag = normalizeImageRef(ref);
    const existing = this.images.get(repoTag);
    if (existing) return existing;
    const parsed = parseImageRef(ref);
    const image: FakeImage = {
      id: `sha256:${sha256(`config ${repoTag}`)}`,
      repoTag,
      repoDigest: `${parsed.registry}/${parsed.repository}@sha256:${sha256(`manifest ${repoTag}`)}`,
    };
    for (const key of [repoTag, image.id, image.repoDigest]) this.images.set(key, image);
    return image;
  }

  listImages(req: ListImagesRequest, _options?: CallOptions): Promise<ListImagesResponse> {
    const wanted = req.filter?.image?.image;
    const all = new Set(this.images.values());
    const images = [...all].filter((i) => !wanted || this.find(wanted) === i).map(toCri);
    return Promise.resolve({ images });
  }

  imageStatus(req: ImageStatusRequest, _options?: CallOptions): Promise<ImageStatusResponse> {
    const image = this.find(req.image?.image ?? "");
    return Promise.resolve(image ? { image: toCri(image), info: {} } : { info: {} });
  }

  pullImage(req: PullImageRequest, _options?: CallOptions): Promise<PullImageResponse> {
    this.pulls++;
    const ref = req.image?.image ?? "";
    let normalized: string;
    try {
      normalized = normalizeImageRef(ref);
    } catch (err) {
      return Promise.reject(
        new CriError({
          code: CriCode.INVALID_ARGUMENT,
          message: (err as Error).message,
          method: "PullImage",
        }),
      );
    }
    const refused = this.pullError(normalized);
    if (refused) return Promise.reject(refused);
    return Promise.resolve({ imageRef: this.add(ref).id });
  }

  removeImage(req: RemoveImageRequest, _options?: CallOptions): Promise<RemoveImageResponse> {
    const image = this.find(req.image?.image ?? "");
    if (image) for (const key of [image.repoTag, image.id, image.repoDigest]) this.images.delete(key);
    return Promise.resolve({});
  }

  imageFsInfo(_req: object, _options?: CallOptions): Promise<ImageFsInfoResponse> {
    const count = new Set(this.images.values()).size;
    const usage = {
      timestamp: Date.now() * 1e6,
      fsId: { mountpoint: "/fake/images" },
      usedBytes: { value: count * FAKE_IMAGE_SIZE },
      inodesUsed: { value: count * 100 },
    };
    return Promise.resolve({ imageFilesystems: [usage], containerFilesystems: [] });
  }
}

function defaultPullError(ref: string): Error | undefined {
  if (!ref.includes("nonexistent")) return undefined;
  return new CriError({
    code: CriCode.NOT_FOUND,
    message: `failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`,
    method: "PullImage",
  });
}

function toCri(image: FakeImage): Image {
  return {
    id: image.id,
    repoTags: [image.repoTag],
    repoDigests: [image.repoDigest],
    size: FAKE_IMAGE_SIZE,
    username: "",
    pinned: false,
  };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
