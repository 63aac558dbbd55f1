/**
 * The OCI image model: a manifest names a config blob and layer blobs by
 * digest; the config lists each layer's uncompressed digest (diff_id). An
 * Image here holds every blob in memory together with the exact manifest
 * bytes, whose sha256 is the image's digest.
 */
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { gunzip as gunzipCallback, gzip as gzipCallback } from "node:zlib";
import { createTar, type TarEntry, type TarOptions } from "./tar.js";

const gzip = promisify(gzipCallback);
const gunzip = promisify(gunzipCallback);

export const MediaTypes = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
} as const;

export interface Platform {
  readonly architecture: string;
  readonly os: string;
  readonly variant?: string;
}

export interface Descriptor {
  readonly mediaType: string;
  /** "sha256:<64 hex>" */
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: Platform;
}

export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly manifests: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
}

/** What a container runs: the image config's "config" object. */
export interface RuntimeConfig {
  readonly Entrypoint?: readonly string[];
  readonly Cmd?: readonly string[];
  readonly Env?: readonly string[];
  readonly WorkingDir?: string;
  readonly User?: string;
  /** e.g. { "80/tcp": {} } */
  readonly ExposedPorts?: Readonly<Record<string, Record<string, never>>>;
  readonly Labels?: Readonly<Record<string, string>>;
  readonly StopSignal?: string;
}

export interface HistoryEntry {
  readonly created?: string;
  readonly created_by?: string;
  readonly comment?: string;
  readonly empty_layer?: boolean;
}

export interface ImageConfig {
  readonly created?: string;
  readonly architecture: string;
  readonly os: string;
  readonly config?: RuntimeConfig;
  readonly rootfs: { readonly type: "layers"; readonly diff_ids: readonly string[] };
  readonly history?: readonly HistoryEntry[];
}

/** A blob and its descriptor (digest and size of exactly these bytes). */
export interface Blob {
  readonly descriptor: Descriptor;
  readonly data: Buffer;
}

export interface Layer extends Blob {
  /** sha256 of the uncompressed tar, as listed in the config's rootfs.diff_ids. */
  readonly diffId: string;
}

export interface Image {
  /** The manifest's media type, sent as Content-Type when pushing. */
  readonly mediaType: string;
  readonly manifest: ImageManifest;
  /** The manifest exactly as stored and pushed. */
  readonly manifestBytes: Buffer;
  /** sha256 of manifestBytes: what image@sha256:… pins. */
  readonly digest: string;
  readonly config: ImageConfig;
  readonly configBlob: Blob;
  /** In manifest order, each with the diff_id the config lists for it. */
  readonly layers: readonly Layer[];
}

export function sha256Digest(data: Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

export function isDigest(value: string): boolean {
  return /^sha256:[0-9a-f]{64}$/.test(value);
}

export function isGzip(data: Uint8Array): boolean {
  return data[0] === 0x1f && data[1] === 0x8b;
}

/** Wraps an uncompressed tar as a gzip layer; diffId is the tar's own digest. */
export async function layerFromTar(tar: Buffer): Promise<Layer> {
  // zlib writes a fixed gzip header (no name, mtime 0), so equal tars give equal blobs.
  const data = await gzip(tar, { level: 9 });
  return {
    descriptor: { mediaType: MediaTypes.ociLayerGzip, digest: sha256Digest(data), size: data.length },
    data,
    diffId: sha256Digest(tar),
  };
}

/** A gzip layer from tar entries (see createTar for ordering and defaults). */
export function createLayer(entries: readonly TarEntry[], options: TarOptions = {}): Promise<Layer> {
  return layerFromTar(createTar(entries, options));
}

/** The uncompressed tar of a layer blob (gzip or plain, told by its first bytes). */
export async function layerTar(blob: Uint8Array): Promise<Buffer> {
  if (blob[0] === 0x28 && blob[1] === 0xb5 && blob[2] === 0x2f && blob[3] === 0xfd) {
    throw new Error("zstd-compressed layers are not supported");
  }
  return isGzip(blob) ? gunzip(blob) : Buffer.from(blob);
}

export interface CreateImageOptions {
  readonly layers: readonly Layer[];
  readonly config?: RuntimeConfig;
  /** Default "amd64". */
  readonly architecture?: string;
  /** Default "linux". */
  readonly os?: string;
  /** RFC 3339; default the epoch, so that rebuilding gives the same digest. */
  readonly created?: string;
  /** One created_by per layer, for `history`. */
  readonly createdBy?: readonly string[];
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Assembles the config and manifest for the given layers. */
export function createImage(options: CreateImageOptions): Image {
  const created = options.created ?? "1970-01-01T00:00:00Z";
  const config: ImageConfig = {
    created,
    architecture: options.architecture ?? "amd64",
    os: options.os ?? "linux",
    config: options.config ?? {},
    rootfs: { type: "layers", diff_ids: options.layers.map((l) => l.diffId) },
    history: options.layers.map((_, i) => ({ created, created_by: options.createdBy?.[i] ?? "ktl oci" })),
  };
  const configData = Buffer.from(JSON.stringify(config));
  const configBlob: Blob = {
    descriptor: {
      mediaType: MediaTypes.ociConfig,
      digest: sha256Digest(configData),
      size: configData.length,
    },
    data: configData,
  };
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: configBlob.descriptor,
    layers: options.layers.map((l) => l.descriptor),
    ...(options.annotations ? { annotations: options.annotations } : {}),
  };
  return assembleImage({
    mediaType: MediaTypes.ociManifest,
    manifestBytes: Buffer.from(JSON.stringify(manifest)),
    blobs: [configBlob.data, ...options.layers.map((l) => l.data)],
  });
}

/**
 * An Image from manifest bytes and the blobs it names, as read from an
 * archive or a registry. Checks every digest and size, and that the config
 * lists one diff_id per layer.
 */
export function assembleImage(options: {
  readonly mediaType?: string;
  readonly manifestBytes: Buffer;
  /** At least the config and every layer; looked up by digest. */
  readonly blobs: Iterable<Buffer> | ReadonlyMap<string, Buffer>;
}): Image {
  const parsed = JSON.parse(options.manifestBytes.toString("utf8")) as Partial<ImageManifest>;
  if (parsed.schemaVersion !== 2 || !parsed.config || !Array.isArray(parsed.layers)) {
    throw new Error("not an image manifest (want schemaVersion 2 with config and layers)");
  }
  const manifest = parsed as ImageManifest;
  const mediaType = options.mediaType ?? manifest.mediaType ?? MediaTypes.ociManifest;
  if (mediaType !== MediaTypes.ociManifest && mediaType !== MediaTypes.dockerManifest) {
    throw new Error(`unsupported manifest media type ${mediaType}`);
  }
  const blobs = isMap(options.blobs)
    ? options.blobs
    : new Map([...options.blobs].map((b) => [sha256Digest(b), b]));
  const blob = (descriptor: Descriptor, what: string): Blob => {
    const data = blobs.get(descriptor.digest);
    if (!data) throw new Error(`${what} ${descriptor.digest} is missing`);
    const digest = sha256Digest(data);
    if (digest !== descriptor.digest) throw new Error(`${what} ${descriptor.digest} has digest ${digest}`);
    if (data.length !== descriptor.size) {
      throw new Error(
        `${what} ${descriptor.digest} is ${data.length} bytes, manifest says ${descriptor.size}`,
      );
    }
    return { descriptor, data };
  };
  const configBlob = blob(manifest.config, "config");
  const config = JSON.parse(configBlob.data.toString("utf8")) as ImageConfig;
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new Error(`config lists ${diffIds.length} diff_ids for ${manifest.layers.length} layers`);
  }
  // The diff_ids are taken from the config here; verifyDiffIds checks them against the data.
  const layers = manifest.layers.map((d, i): Layer => ({
    ...blob(d, `layer ${i}`),
    diffId: diffIds[i] ?? "",
  }));
  return {
    mediaType,
    manifest,
    manifestBytes: options.manifestBytes,
    digest: sha256Digest(options.manifestBytes),
    config,
    configBlob,
    layers,
  };
}

function isMap(value: Iterable<Buffer> | ReadonlyMap<string, Buffer>): value is ReadonlyMap<string, Buffer> {
  return value instanceof Map;
}

/** Every blob of the image: config first, then the layers. */
export function imageBlobs(image: Image): Blob[] {
  return [image.configBlob, ...image.layers];
}

/** Checks that each layer, uncompressed, hashes to the diff_id its config lists. */
export async function verifyDiffIds(image: Image): Promise<void> {
  for (const [i, layer] of image.layers.entries()) {
    const diffId = sha256Digest(await layerTar(layer.data));
    if (diffId !== layer.diffId) {
      throw new Error(
        `layer ${i} (${layer.descriptor.digest}) has diff_id ${diffId}, config says ${layer.diffId}`,
      );
    }
  }
}
