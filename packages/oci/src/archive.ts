/**
 * Importers for `ktl image push FILE`: images from a `docker save` tar or an
 * OCI image layout (a directory or a tar of one), with the names the archive
 * gives them, ready for pushImage.
 *
 * docker save stores layers as uncompressed tars and has no registry
 * manifest. We gzip each layer and write an OCI manifest with
 * application/vnd.oci.image.layer.v1.tar+gzip layers: containerd 1.6 would
 * also unpack application/vnd.docker.image.rootfs.diff.tar (it sniffs the
 * compression of that type), but that type is not in Docker's manifest v2
 * spec (only .tar.gzip is) and other clients reject it, while gzip layers
 * are pulled by every client and are smaller to store and move. diff_ids are
 * digests of the uncompressed tars, so the config is pushed unchanged and the
 * image ID (config digest) stays what Docker showed.
 *
 * An OCI layout already has manifests; those are pushed byte for byte so
 * that digests pinned elsewhere keep working. Everything is read into memory.
 */
import { readFile, stat } from "node:fs/promises";
import { join, posix } from "node:path";
import { promisify } from "node:util";
import { gunzip as gunzipCallback } from "node:zlib";
import {
  MediaTypes,
  assembleImage,
  isGzip,
  layerFromTar,
  layerTar,
  sha256Digest,
  verifyDiffIds,
  type Descriptor,
  type Image,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type Layer,
  type Platform,
} from "./image.js";
import { parseReference } from "./reference.js";
import { normalizeTarPath } from "./tar.js";
import { readTar, type TarReadEntry } from "./tar-reader.js";

const gunzip = promisify(gunzipCallback);

export interface ArchiveTag {
  /**
   * e.g. "library/busybox" for "busybox:latest" (the registry part of the
   * name is dropped); absent when the archive names only a tag, as OCI
   * layouts written by skopeo do: the caller picks the repository.
   */
  readonly repository?: string;
  readonly tag: string;
  /** The name as the archive wrote it. */
  readonly name: string;
}

export interface ArchiveImage {
  readonly image: Image;
  /** Possibly empty: an archive may hold unnamed images. */
  readonly tags: readonly ArchiveTag[];
}

export interface ReadArchiveOptions {
  /** Which image to take from a multi-platform index (default linux/amd64). */
  readonly platform?: Platform;
}

/** Where an archive's files are read from: a directory or an in-memory tar. */
interface ArchiveFiles {
  read(path: string): Promise<Buffer | undefined>;
}

/**
 * Reads every image in a docker save tar or an OCI layout (directory or tar,
 * either possibly gzipped). Digests, sizes and diff_ids are all checked.
 */
export async function readImageArchive(
  path: string,
  options: ReadArchiveOptions = {},
): Promise<ArchiveImage[]> {
  const files = (await stat(path)).isDirectory() ? directoryFiles(path) : tarFiles(await readTarFile(path));
  const platform = options.platform ?? { os: "linux", architecture: "amd64" };
  // Docker 25 and later write both layouts into one tar; the OCI one keeps
  // the exact manifests, so it wins.
  if ((await files.read("oci-layout")) && (await files.read("index.json"))) {
    const images = await readOciLayout(files, platform);
    for (const { image } of images) await verifyDiffIds(image);
    return images;
  }
  // Each docker save layer is checked against its diff_id as it is compressed.
  if (await files.read("manifest.json")) return readDockerSave(files);
  throw new Error(
    `${path} is neither an OCI image layout (oci-layout, index.json) nor a docker save archive (manifest.json)`,
  );
}

async function readTarFile(path: string): Promise<TarReadEntry[]> {
  let data = await readFile(path);
  if (isGzip(data)) data = await gunzip(data);
  return readTar(data);
}

function directoryFiles(dir: string): ArchiveFiles {
  return {
    async read(path) {
      try {
        return await readFile(join(dir, normalizeTarPath(path)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
      }
    },
  };
}

function tarFiles(entries: readonly TarReadEntry[]): ArchiveFiles {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  return {
    read(path) {
      // docker save links identical layers to one copy, by symlink or hard link.
      let entry = byPath.get(normalizeTarPath(path));
      for (let hops = 0; entry && hops < 16 && entry.type !== "file"; hops++) {
        if (entry.type === "symlink") {
          const target = entry.linkname.startsWith("/")
            ? entry.linkname
            : posix.join(posix.dirname(entry.path), entry.linkname);
          entry = byPath.get(normalizeTarPath(target));
        } else if (entry.type === "hardlink") {
          entry = byPath.get(normalizeTarPath(entry.linkname));
        } else {
          entry = undefined;
        }
      }
      return Promise.resolve(entry?.type === "file" ? entry.data : undefined);
    },
  };
}

async function mustRead(files: ArchiveFiles, path: string, what: string): Promise<Buffer> {
  const data = await files.read(path);
  if (!data) throw new Error(`archive has no ${path} (${what})`);
  return data;
}

function parseJson<T>(data: Buffer, what: string): T {
  try {
    return JSON.parse(data.toString("utf8")) as T;
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

// --- OCI image layout -------------------------------------------------------

const INDEX_TYPES: readonly string[] = [MediaTypes.ociIndex, MediaTypes.dockerManifestList];

async function readOciLayout(files: ArchiveFiles, platform: Platform): Promise<ArchiveImage[]> {
  const layout = parseJson<{ imageLayoutVersion?: string }>(
    await mustRead(files, "oci-layout", "layout"),
    "oci-layout",
  );
  if (!layout.imageLayoutVersion) throw new Error("oci-layout has no imageLayoutVersion");
  const index = parseJson<ImageIndex>(await mustRead(files, "index.json", "index"), "index.json");
  const byDigest = new Map<string, { image: Image; tags: ArchiveTag[] }>();
  for (const descriptor of index.manifests ?? []) {
    const image = await resolveOci(files, descriptor, platform, 0);
    const entry = byDigest.get(image.digest) ?? { image, tags: [] };
    byDigest.set(image.digest, entry);
    for (const tag of ociTags(descriptor)) {
      if (!entry.tags.some((t) => t.repository === tag.repository && t.tag === tag.tag)) entry.tags.push(tag);
    }
  }
  return [...byDigest.values()];
}

function blobPath(digest: string): string {
  const [algorithm, hex] = digest.split(":");
  if (!algorithm || !hex || !/^[a-z0-9]+$/.test(algorithm) || !/^[0-9a-f]+$/.test(hex)) {
    throw new Error(`invalid digest ${JSON.stringify(digest)}`);
  }
  return `blobs/${algorithm}/${hex}`;
}

async function readBlob(files: ArchiveFiles, descriptor: Descriptor): Promise<Buffer> {
  const data = await mustRead(files, blobPath(descriptor.digest), descriptor.mediaType);
  if (sha256Digest(data) !== descriptor.digest)
    throw new Error(`blob ${descriptor.digest} does not match its digest`);
  return data;
}

/** A manifest descriptor to its image; an index to its image for `platform`. */
async function resolveOci(
  files: ArchiveFiles,
  descriptor: Descriptor,
  platform: Platform,
  depth: number,
): Promise<Image> {
  if (depth > 4) throw new Error("image indexes nested too deep");
  const data = await readBlob(files, descriptor);
  const parsed = parseJson<Partial<ImageIndex & ImageManifest>>(data, `manifest ${descriptor.digest}`);
  if (INDEX_TYPES.includes(descriptor.mediaType) || Array.isArray(parsed.manifests)) {
    // Archives of one platform list every platform but carry only their own blobs.
    for (const child of parsed.manifests ?? []) {
      if (child.platform && !platformMatches(child.platform, platform)) continue;
      if (!(await files.read(blobPath(child.digest)))) continue;
      return resolveOci(files, child, platform, depth + 1);
    }
    throw new Error(
      `index ${descriptor.digest} has no ${platform.os}/${platform.architecture} image in this archive`,
    );
  }
  if (!parsed.config || !Array.isArray(parsed.layers)) {
    throw new Error(`${descriptor.digest} is neither an image manifest nor an index`);
  }
  const manifest = parsed as ImageManifest;
  const blobs = new Map<string, Buffer>();
  for (const d of [manifest.config, ...manifest.layers]) blobs.set(d.digest, await readBlob(files, d));
  return assembleImage({ mediaType: descriptor.mediaType, manifestBytes: data, blobs });
}

function platformMatches(candidate: Platform, wanted: Platform): boolean {
  return (
    candidate.os === wanted.os &&
    candidate.architecture === wanted.architecture &&
    (wanted.variant === undefined || candidate.variant === wanted.variant)
  );
}

/** Names from containerd's full-name annotation and the OCI ref.name annotation. */
function ociTags(descriptor: Descriptor): ArchiveTag[] {
  const annotations = descriptor.annotations ?? {};
  const tags: ArchiveTag[] = [];
  const full = annotations["io.containerd.image.name"];
  if (full) pushName(tags, full);
  const refName = annotations["org.opencontainers.image.ref.name"];
  if (refName && !full) {
    // The OCI spec's ref.name is usually a bare tag; some tools write a full name.
    if (/[/:]/.test(refName)) pushName(tags, refName);
    else tags.push({ tag: refName, name: refName });
  }
  return tags;
}

function pushName(tags: ArchiveTag[], name: string): void {
  const ref = parseReference(name);
  if (ref.tag) tags.push({ repository: ref.repository, tag: ref.tag, name });
}

// --- docker save ------------------------------------------------------------

interface DockerSaveEntry {
  readonly Config: string;
  readonly RepoTags?: readonly string[] | null;
  readonly Layers: readonly string[];
}

async function readDockerSave(files: ArchiveFiles): Promise<ArchiveImage[]> {
  const entries = parseJson<DockerSaveEntry[]>(
    await mustRead(files, "manifest.json", "manifest"),
    "manifest.json",
  );
  if (!Array.isArray(entries)) throw new Error("manifest.json is not a list of images");
  const byDigest = new Map<string, { image: Image; tags: ArchiveTag[] }>();
  for (const entry of entries) {
    const image = await dockerSaveImage(files, entry);
    const found = byDigest.get(image.digest) ?? { image, tags: [] };
    byDigest.set(image.digest, found);
    for (const name of entry.RepoTags ?? []) pushName(found.tags, name);
  }
  return [...byDigest.values()];
}

async function dockerSaveImage(files: ArchiveFiles, entry: DockerSaveEntry): Promise<Image> {
  const configData = await mustRead(files, entry.Config, "image config");
  const config = parseJson<ImageConfig>(configData, entry.Config);
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== entry.Layers.length) {
    throw new Error(`${entry.Config} lists ${diffIds.length} diff_ids for ${entry.Layers.length} layers`);
  }
  const layers: Layer[] = [];
  for (const [i, path] of entry.Layers.entries()) {
    const raw = await mustRead(files, path, "layer");
    let layer: Layer;
    if (isGzip(raw)) {
      const diffId = sha256Digest(await layerTar(raw));
      const descriptor = { mediaType: MediaTypes.ociLayerGzip, digest: sha256Digest(raw), size: raw.length };
      layer = { descriptor, data: raw, diffId };
    } else {
      layer = await layerFromTar(raw);
    }
    if (layer.diffId !== diffIds[i])
      throw new Error(`layer ${path} has diff_id ${layer.diffId}, config says ${diffIds[i]}`);
    layers.push(layer);
  }
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: sha256Digest(configData), size: configData.length },
    layers: layers.map((l) => l.descriptor),
  };
  return assembleImage({
    mediaType: MediaTypes.ociManifest,
    manifestBytes: Buffer.from(JSON.stringify(manifest)),
    blobs: [configData, ...layers.map((l) => l.data)],
  });
}
