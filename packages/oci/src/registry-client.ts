/**
 * A client for the Docker Registry HTTP API v2 (what Debian's docker-registry,
 * i.e. distribution 2.8, serves), over plain HTTP on loopback and without
 * auth: enough to push images, read them back and list tags.
 */
import {
  MediaTypes,
  assembleImage,
  imageBlobs,
  sha256Digest,
  type Image,
  type ImageIndex,
  type ImageManifest,
} from "./image.js";
import { isValidRepository, isValidTag } from "./reference.js";

export interface RegistryErrorDetail {
  readonly code: string;
  readonly message: string;
  readonly detail?: unknown;
}

/** A failed registry request: unreachable (no status) or an HTTP error with the registry's `errors`. */
export class RegistryError extends Error {
  readonly status?: number;
  readonly errors: readonly RegistryErrorDetail[];

  constructor(
    message: string,
    options: { status?: number; errors?: readonly RegistryErrorDetail[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "RegistryError";
    this.status = options.status;
    this.errors = options.errors ?? [];
  }
}

export interface RepositoryOptions {
  /** "127.0.0.1:5000" (plain HTTP) or a base URL such as "http://127.0.0.1:5000". */
  readonly registry: string;
  /** e.g. "library/busybox". */
  readonly repository: string;
  /** Per request (default 120 s). */
  readonly timeoutMs?: number;
}

export interface PushEvent {
  /** "exists": the registry had the blob, nothing was sent. */
  readonly kind: "exists" | "uploaded" | "manifest";
  readonly digest: string;
  readonly size: number;
}

export interface PushOptions extends RepositoryOptions {
  readonly tag: string;
  readonly image: Image;
  /** Told about each blob and the manifest as the push goes. */
  readonly onProgress?: (event: PushEvent) => void;
}

export interface ManifestResponse {
  readonly mediaType: string;
  readonly digest: string;
  /** The manifest exactly as served. */
  readonly data: Buffer;
  readonly manifest: ImageManifest | ImageIndex;
}

/** What the registry is asked to serve for a manifest. */
const MANIFEST_ACCEPT = [
  MediaTypes.ociManifest,
  MediaTypes.ociIndex,
  MediaTypes.dockerManifest,
  MediaTypes.dockerManifestList,
].join(", ");

export function registryBaseUrl(registry: string): string {
  return /^https?:\/\//.test(registry) ? registry.replace(/\/+$/, "") : `http://${registry}`;
}

/**
 * Pushes an image's blobs (skipping those the registry already has) and then
 * its manifest under `tag`. Returns the manifest digest.
 */
export async function pushImage(options: PushOptions): Promise<string> {
  const { image, tag } = options;
  checkRepository(options.repository);
  if (!isValidTag(tag)) throw new Error(`invalid tag ${JSON.stringify(tag)}`);
  for (const blob of imageBlobs(image)) {
    const { digest, size } = blob.descriptor;
    if (await blobExists({ ...options, digest })) {
      options.onProgress?.({ kind: "exists", digest, size });
      continue;
    }
    await uploadBlob({ ...options, digest, data: blob.data });
    options.onProgress?.({ kind: "uploaded", digest, size });
  }
  const response = await request(options, {
    method: "PUT",
    path: `/v2/${options.repository}/manifests/${tag}`,
    headers: { "content-type": image.mediaType },
    body: image.manifestBytes,
    expect: [201],
  });
  const stored = response.headers.get("docker-content-digest");
  if (stored && stored !== image.digest) {
    throw new RegistryError(`registry stored manifest ${stored}, expected ${image.digest}`);
  }
  options.onProgress?.({ kind: "manifest", digest: image.digest, size: image.manifestBytes.length });
  return image.digest;
}

export async function blobExists(options: RepositoryOptions & { readonly digest: string }): Promise<boolean> {
  const response = await request(options, {
    method: "HEAD",
    path: `/v2/${options.repository}/blobs/${options.digest}`,
    expect: [200, 404],
  });
  return response.status === 200;
}

/** Monolithic upload: POST to open an upload session, then one PUT with the whole blob. */
export async function uploadBlob(
  options: RepositoryOptions & { readonly digest: string; readonly data: Buffer },
): Promise<void> {
  const started = await request(options, {
    method: "POST",
    path: `/v2/${options.repository}/blobs/uploads/`,
    expect: [202],
  });
  const location = started.headers.get("location");
  if (!location) throw new RegistryError(`registry ${options.registry} opened an upload without a Location`);
  // Location may be relative or absolute and may carry the registry's own state query.
  const url = new URL(location, started.url).href;
  const put = `${url}${url.includes("?") ? "&" : "?"}digest=${encodeURIComponent(options.digest)}`;
  await request(options, {
    method: "PUT",
    url: put,
    headers: { "content-type": "application/octet-stream" },
    body: options.data,
    expect: [201],
  });
}

/** A manifest by tag or digest; a digest reference is checked against the bytes served. */
export async function getManifest(
  options: RepositoryOptions & { readonly reference: string },
): Promise<ManifestResponse> {
  checkRepository(options.repository);
  const response = await request(options, {
    method: "GET",
    path: `/v2/${options.repository}/manifests/${options.reference}`,
    headers: { accept: MANIFEST_ACCEPT },
    expect: [200],
  });
  const data = Buffer.from(await response.arrayBuffer());
  const digest = sha256Digest(data);
  const served = response.headers.get("docker-content-digest");
  if (
    (served && served !== digest) ||
    (options.reference.startsWith("sha256:") && options.reference !== digest)
  ) {
    throw new RegistryError(`manifest ${options.repository}:${options.reference} does not match its digest`);
  }
  const manifest = JSON.parse(data.toString("utf8")) as ImageManifest | ImageIndex;
  const mediaType = response.headers.get("content-type") ?? manifest.mediaType ?? MediaTypes.ociManifest;
  return { mediaType, digest, data, manifest };
}

/** A blob's bytes, checked against its digest. */
export async function getBlob(options: RepositoryOptions & { readonly digest: string }): Promise<Buffer> {
  const response = await request(options, {
    method: "GET",
    path: `/v2/${options.repository}/blobs/${options.digest}`,
    expect: [200],
  });
  const data = Buffer.from(await response.arrayBuffer());
  if (sha256Digest(data) !== options.digest) {
    throw new RegistryError(`blob ${options.digest} from ${options.registry} does not match its digest`);
  }
  return data;
}

/** Fetches a single-platform image (manifest, config and layers) back from the registry. */
export async function pullImage(options: RepositoryOptions & { readonly reference: string }): Promise<Image> {
  const { mediaType, data, manifest } = await getManifest(options);
  if (!("layers" in manifest))
    throw new Error(`${options.repository}:${options.reference} is an index, not an image`);
  const blobs = new Map<string, Buffer>();
  for (const descriptor of [manifest.config, ...manifest.layers]) {
    blobs.set(descriptor.digest, await getBlob({ ...options, digest: descriptor.digest }));
  }
  return assembleImage({ mediaType, manifestBytes: data, blobs });
}

/** The repository's tags, or [] when the repository does not exist. */
export async function listTags(options: RepositoryOptions): Promise<string[]> {
  checkRepository(options.repository);
  const response = await request(options, {
    method: "GET",
    path: `/v2/${options.repository}/tags/list`,
    expect: [200, 404],
  });
  if (response.status === 404) return [];
  const body = (await response.json()) as { tags?: string[] | null };
  return body.tags ?? [];
}

function checkRepository(repository: string): void {
  if (!isValidRepository(repository))
    throw new Error(`invalid repository name ${JSON.stringify(repository)}`);
}

interface RequestSpec {
  readonly method: string;
  /** Relative to the registry, or `url` for a full URL. */
  readonly path?: string;
  readonly url?: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
  /** Statuses that are not errors. */
  readonly expect: readonly number[];
}

async function request(options: RepositoryOptions, spec: RequestSpec): Promise<Response> {
  const url = spec.url ?? `${registryBaseUrl(options.registry)}${spec.path ?? "/"}`;
  const what = `${spec.method} ${url}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: spec.method,
      headers: spec.headers,
      body: spec.body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
    });
  } catch (err) {
    throw new RegistryError(
      `registry ${options.registry} unreachable (${what}): ${describeFetchError(err)}`,
      {
        cause: err,
      },
    );
  }
  if (spec.expect.includes(response.status)) return response;
  const text = spec.method === "HEAD" ? "" : await response.text().catch(() => "");
  const errors = parseErrors(text);
  const detail =
    errors.length > 0
      ? errors
          .map((e) => `${e.code}: ${e.message}${e.detail ? ` (${JSON.stringify(e.detail)})` : ""}`)
          .join("; ")
      : text.trim().slice(0, 500);
  throw new RegistryError(
    `${what}: HTTP ${response.status} ${response.statusText}${detail ? `: ${detail}` : ""}`,
    { status: response.status, errors },
  );
}

function parseErrors(text: string): RegistryErrorDetail[] {
  try {
    const body = JSON.parse(text) as { errors?: unknown };
    if (!Array.isArray(body.errors)) return [];
    return body.errors.map((e: Partial<RegistryErrorDetail>) => ({
      code: String(e.code ?? "UNKNOWN"),
      message: String(e.message ?? ""),
      ...(e.detail !== undefined ? { detail: e.detail } : {}),
    }));
  } catch {
    return [];
  }
}

/** undici's "fetch failed" hides the reason (ECONNREFUSED, timeout…) in `cause`. */
function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === "TimeoutError") return "request timed out";
  const cause = err.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? err.message;
}
