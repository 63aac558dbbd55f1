/**
 * Writes image archives the way `docker save` and OCI tools lay them out,
 * with @ktl/oci's tar writer (there is no Docker engine on this machine), so
 * the importers can be tested on archives whose exact shape the test controls.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { createTar, sha256Digest, type Descriptor, type Image, type TarEntry } from "@ktl/oci";

export interface LayoutFile {
  readonly path: string;
  readonly data: Buffer;
}

const blobPath = (digest: string) => `blobs/sha256/${digest.slice("sha256:".length)}`;

/**
 * The files of an OCI image layout: each image's blobs and manifest, and an
 * index.json listing `manifests` (descriptors built with manifestDescriptor).
 * `extra` blobs (e.g. a nested index) are stored too.
 */
export function ociLayoutFiles(options: {
  images: readonly Image[];
  manifests: readonly Descriptor[];
  extra?: readonly Buffer[];
}): LayoutFile[] {
  const blobs = new Map<string, Buffer>();
  for (const image of options.images) {
    blobs.set(image.digest, image.manifestBytes);
    for (const blob of [image.configBlob, ...image.layers]) blobs.set(blob.descriptor.digest, blob.data);
  }
  for (const data of options.extra ?? []) blobs.set(sha256Digest(data), data);
  return [
    { path: "oci-layout", data: Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" })) },
    {
      path: "index.json",
      data: Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.index.v1+json",
          manifests: options.manifests,
        }),
      ),
    },
    ...[...blobs].map(([digest, data]) => ({ path: blobPath(digest), data })),
  ];
}

export function manifestDescriptor(image: Image, annotations?: Record<string, string>): Descriptor {
  return {
    mediaType: image.mediaType,
    digest: image.digest,
    size: image.manifestBytes.length,
    ...(annotations ? { annotations } : {}),
  };
}

export async function writeFilesTo(dir: string, files: readonly LayoutFile[]): Promise<void> {
  for (const file of files) {
    await mkdir(dirname(join(dir, file.path)), { recursive: true });
    await writeFile(join(dir, file.path), file.data);
  }
}

/** A tar of the files, with "./" in front of names as GNU tar run in the directory writes them. */
export function tarOf(files: readonly LayoutFile[]): Buffer {
  return createTar(
    files.map((f): TarEntry => ({ type: "file", path: `./${f.path}`, data: f.data })),
    { mtime: 1_700_000_000 },
  );
}

/**
 * A `docker save` archive (the pre-25 layout): <config hex>.json,
 * <layer id>/layer.tar as UNCOMPRESSED tars, manifest.json and repositories.
 * A layer already written for an earlier image becomes a symlink to it, as
 * Docker does.
 */
export function dockerSaveTar(images: readonly { image: Image; repoTags: readonly string[] }[]): Buffer {
  const entries: TarEntry[] = [];
  const written = new Map<string, string>();
  const manifest = images.map(({ image, repoTags }) => {
    const configName = `${image.configBlob.descriptor.digest.slice("sha256:".length)}.json`;
    if (!entries.some((e) => e.path === configName)) {
      entries.push({ type: "file", path: configName, data: image.configBlob.data });
    }
    const layers = image.layers.map((layer, i) => {
      const diffId = layer.diffId;
      // Docker's layer directory names are v1 ids; any unique hex will do.
      const id = sha256Digest(Buffer.from(`${image.digest}/${diffId}/${i}`)).slice("sha256:".length);
      const path = `${id}/layer.tar`;
      const earlier = written.get(diffId);
      if (earlier) {
        entries.push({ type: "symlink", path, target: `../${earlier}` });
      } else {
        entries.push({ type: "file", path, data: gunzipSync(layer.data) });
        entries.push({ type: "file", path: `${id}/VERSION`, data: "1.0" });
        entries.push({ type: "file", path: `${id}/json`, data: JSON.stringify({ id }) });
        written.set(diffId, path);
      }
      return path;
    });
    return { Config: configName, RepoTags: repoTags, Layers: layers };
  });
  entries.push({ type: "file", path: "manifest.json", data: JSON.stringify(manifest) });
  entries.push({ type: "file", path: "repositories", data: "{}" });
  return createTar(entries, { mtime: 1_700_000_000 });
}
