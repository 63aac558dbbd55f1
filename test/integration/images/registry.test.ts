import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MediaTypes,
  RegistryError,
  SANDBOX_IMAGE_REPOSITORY,
  SANDBOX_IMAGE_TAG,
  blobExists,
  buildBusyboxImage,
  buildPauseImage,
  busyboxVersion,
  createImage,
  createLayer,
  getBlob,
  getManifest,
  listTags,
  pullImage,
  pushImage,
  readImageArchive,
  sandboxImageRef,
  seedImages,
  sha256Digest,
  uploadBlob,
  type Image,
  type SeededImage,
} from "@ktl/oci";
import { startRegistry, type RegistryServer } from "@ktl/testing";
import { dockerSaveTar, manifestDescriptor, ociLayoutFiles, tarOf, writeFilesTo } from "./archives.js";
import { startLoggingProxy } from "./logging-proxy.js";

let registry: RegistryServer;
let tmp: string;
let busybox: Image;
let seeded: SeededImage[];

beforeAll(async () => {
  registry = await startRegistry();
  tmp = await mkdtemp(join(tmpdir(), "ktl-images-test-"));
  busybox = await buildBusyboxImage();
  seeded = await seedImages({ registry: registry.address });
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A two-layer image on top of busybox, distinct per name. */
async function appImage(name: string): Promise<Image> {
  const base = busybox.layers[0];
  if (!base) throw new Error("busybox has no layer");
  const app = await createLayer([
    { type: "file", path: `srv/${name}/index.html`, data: `<h1>${name}</h1>\n` },
    { type: "symlink", path: "srv/current", target: name },
  ]);
  return createImage({
    layers: [base, app],
    config: {
      Cmd: ["httpd", "-f", "-h", `/srv/${name}`],
      WorkingDir: "/srv",
      ExposedPorts: { "80/tcp": {} },
    },
  });
}

describe("seeding the registry", () => {
  it("pushes busybox (latest and its version) and pause", async () => {
    const version = await busyboxVersion();
    const minor = version.split(".").slice(0, 2).join(".");
    const at = registry.address;
    expect(seeded.map((s) => s.reference).sort()).toEqual(
      [
        `${at}/ktl/pause:3.9`,
        `${at}/library/busybox:${minor}`,
        `${at}/library/busybox:${version}`,
        `${at}/library/busybox:latest`,
      ].sort(),
    );
    expect(sandboxImageRef(at)).toBe(`${at}/ktl/pause:3.9`);
    expect(sandboxImageRef(registry.url)).toBe(`${at}/ktl/pause:3.9`);
    expect((await listTags({ registry: at, repository: "library/busybox" })).sort()).toEqual(
      ["latest", minor, version].sort(),
    );
    expect(await listTags({ registry: at, repository: SANDBOX_IMAGE_REPOSITORY })).toEqual([
      SANDBOX_IMAGE_TAG,
    ]);
    expect(await listTags({ registry: at, repository: "library/nothing" })).toEqual([]);
  });

  it("serves busybox:latest back byte for byte: manifest, config and layer", async () => {
    // Straight HTTP first, independent of the client under test.
    const raw = await fetch(`${registry.url}/v2/library/busybox/manifests/latest`, {
      headers: { accept: MediaTypes.ociManifest },
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get("content-type")).toBe(MediaTypes.ociManifest);
    const rawBytes = Buffer.from(await raw.arrayBuffer());
    expect(rawBytes.equals(busybox.manifestBytes)).toBe(true);
    expect(raw.headers.get("docker-content-digest")).toBe(busybox.digest);
    expect(seeded.find((s) => s.tag === "latest")?.digest).toBe(sha256Digest(rawBytes));

    const { manifest, digest, mediaType } = await getManifest({
      registry: registry.address,
      repository: "library/busybox",
      reference: "latest",
    });
    expect(digest).toBe(busybox.digest);
    expect(mediaType).toBe(MediaTypes.ociManifest);
    if (!("layers" in manifest)) throw new Error("expected an image manifest");
    expect(manifest.config.mediaType).toBe(MediaTypes.ociConfig);
    expect(manifest.layers).toHaveLength(1);

    const config = await getBlob({
      registry: registry.address,
      repository: "library/busybox",
      digest: manifest.config.digest,
    });
    expect(config.length).toBe(manifest.config.size);
    const parsed = JSON.parse(config.toString());
    expect(parsed).toMatchObject({ architecture: "amd64", os: "linux", config: { Cmd: ["sh"] } });

    const layerDescriptor = manifest.layers[0]!;
    expect(layerDescriptor.mediaType).toBe(MediaTypes.ociLayerGzip);
    const layer = await getBlob({
      registry: registry.address,
      repository: "library/busybox",
      digest: layerDescriptor.digest,
    });
    expect(layer.length).toBe(layerDescriptor.size);
    expect(sha256Digest(layer)).toBe(layerDescriptor.digest);
    expect(sha256Digest(gunzipSync(layer))).toBe(parsed.rootfs.diff_ids[0]);

    // Same image under the version tag.
    const version = await busyboxVersion();
    const byVersion = await getManifest({
      registry: registry.address,
      repository: "library/busybox",
      reference: version,
    });
    expect(byVersion.digest).toBe(busybox.digest);
    // And by digest.
    const byDigest = await getManifest({
      registry: registry.address,
      repository: "library/busybox",
      reference: busybox.digest,
    });
    expect(byDigest.data.equals(busybox.manifestBytes)).toBe(true);
  });

  it("serves the pause image with its entrypoint", async () => {
    const pause = await pullImage({
      registry: registry.address,
      repository: SANDBOX_IMAGE_REPOSITORY,
      reference: SANDBOX_IMAGE_TAG,
    });
    expect(pause.digest).toBe((await buildPauseImage()).digest);
    expect(pause.config.config?.Entrypoint?.[0]).toBe("/bin/sh");
  });
});

describe("pushing", () => {
  it("uploads a new image's blobs once; pushing again only checks them", async () => {
    const proxy = await startLoggingProxy(registry.address);
    try {
      const image = await appImage("twice");
      const events: string[] = [];
      const target = { registry: proxy.address, repository: "ktl/twice", tag: "v1", image };
      const digest = await pushImage({ ...target, onProgress: (e) => events.push(`${e.kind} ${e.digest}`) });
      expect(digest).toBe(image.digest);
      const first = proxy.requests.map((r) => `${r.method} ${r.status}`);
      // config, busybox layer and app layer: each checked, then uploaded.
      expect(first.filter((r) => r === "HEAD 404")).toHaveLength(3);
      expect(first.filter((r) => r === "POST 202")).toHaveLength(3);
      expect(first.filter((r) => r === "PUT 201")).toHaveLength(4);
      expect(events.filter((e) => e.startsWith("uploaded"))).toHaveLength(3);

      proxy.requests.length = 0;
      events.length = 0;
      expect(await pushImage({ ...target, onProgress: (e) => events.push(e.kind) })).toBe(image.digest);
      expect(proxy.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        `HEAD /v2/ktl/twice/blobs/${image.configBlob.descriptor.digest} 200`,
        ...image.layers.map((l) => `HEAD /v2/ktl/twice/blobs/${l.descriptor.digest} 200`),
        "PUT /v2/ktl/twice/manifests/v1 201",
      ]);
      expect(events).toEqual(["exists", "exists", "exists", "manifest"]);

      // Another tag of the same image: still no upload, one more tag.
      proxy.requests.length = 0;
      await pushImage({ ...target, tag: "v1.0" });
      expect(proxy.requests.filter((r) => r.method === "POST")).toEqual([]);
      expect((await listTags({ registry: registry.address, repository: "ktl/twice" })).sort()).toEqual([
        "v1",
        "v1.0",
      ]);
    } finally {
      await proxy.close();
    }
  });

  it("follows relative upload Locations (http.relativeurls)", async () => {
    const relative = await startRegistry({ relativeUrls: true });
    try {
      const started = await fetch(`${relative.url}/v2/ktl/rel/blobs/uploads/`, { method: "POST" });
      await started.arrayBuffer();
      expect(started.headers.get("location")).toMatch(/^\/v2\/ktl\/rel\/blobs\/uploads\/[^?]+\?_state=/);

      const image = await appImage("relative");
      await pushImage({ registry: relative.address, repository: "ktl/rel", tag: "v1", image });
      const back = await pullImage({ registry: relative.address, repository: "ktl/rel", reference: "v1" });
      expect(back.digest).toBe(image.digest);
      expect(
        Buffer.concat(back.layers.map((l) => l.data)).equals(Buffer.concat(image.layers.map((l) => l.data))),
      ).toBe(true);
    } finally {
      await relative.stop();
    }
  });
});

describe("errors", () => {
  it("says clearly that a stopped registry is unreachable", async () => {
    const down = await startRegistry();
    await down.stop();
    const push = pushImage({
      registry: down.address,
      repository: "library/busybox",
      tag: "latest",
      image: busybox,
    });
    await expect(push).rejects.toBeInstanceOf(RegistryError);
    await expect(push).rejects.toThrow(
      new RegExp(
        `registry ${down.address.replace(/\./g, "\\.")} unreachable \\(HEAD http://.*\\): ECONNREFUSED`,
      ),
    );
  });

  it("reports the registry's own error codes and messages", async () => {
    const missing = getManifest({
      registry: registry.address,
      repository: "library/busybox",
      reference: "no-such-tag",
    });
    await expect(missing).rejects.toMatchObject({ status: 404, errors: [{ code: "MANIFEST_UNKNOWN" }] });
    await expect(missing).rejects.toThrow(
      /GET .*\/manifests\/no-such-tag: HTTP 404 Not Found: MANIFEST_UNKNOWN: manifest unknown/,
    );

    const wrongDigest = uploadBlob({
      registry: registry.address,
      repository: "ktl/broken",
      digest: sha256Digest(Buffer.from("something else")),
      data: Buffer.from("data"),
    });
    await expect(wrongDigest).rejects.toMatchObject({ status: 400, errors: [{ code: "DIGEST_INVALID" }] });
    expect(
      await blobExists({
        registry: registry.address,
        repository: "ktl/broken",
        digest: sha256Digest(Buffer.from("data")),
      }),
    ).toBe(false);

    await expect(
      pushImage({ registry: registry.address, repository: "Bad/Name", tag: "x", image: busybox }),
    ).rejects.toThrow(/invalid repository name "Bad\/Name"/);
  });
});

describe("importing archives (ktl image push FILE)", () => {
  it("reads an OCI layout directory with its names and pushes it unchanged", async () => {
    const image = await appImage("oci-dir");
    const dir = join(tmp, "layout");
    await writeFilesTo(
      dir,
      ociLayoutFiles({
        images: [image],
        manifests: [
          manifestDescriptor(image, { "org.opencontainers.image.ref.name": "v1" }),
          manifestDescriptor(image, {
            "io.containerd.image.name": "docker.io/ktl/oci-dir:v2",
            "org.opencontainers.image.ref.name": "v2",
          }),
        ],
      }),
    );
    const read = await readImageArchive(dir);
    expect(read).toHaveLength(1);
    expect(read[0]?.image.digest).toBe(image.digest);
    expect(read[0]?.tags).toEqual([
      { tag: "v1", name: "v1" },
      { repository: "ktl/oci-dir", tag: "v2", name: "docker.io/ktl/oci-dir:v2" },
    ]);
    for (const { repository = "ktl/oci-dir", tag } of read[0]?.tags ?? []) {
      await pushImage({ registry: registry.address, repository, tag, image: read[0]!.image });
    }
    expect((await listTags({ registry: registry.address, repository: "ktl/oci-dir" })).sort()).toEqual([
      "v1",
      "v2",
    ]);
    const back = await getManifest({
      registry: registry.address,
      repository: "ktl/oci-dir",
      reference: "v2",
    });
    expect(back.data.equals(image.manifestBytes)).toBe(true);
  });

  it("reads a gzipped OCI layout tar holding a multi-platform index (takes linux/amd64)", async () => {
    const image = await appImage("oci-tar");
    const other = await appImage("oci-tar-arm");
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociIndex,
        manifests: [
          // Listed but not in the archive, as single-platform exports do.
          { ...manifestDescriptor(other), platform: { architecture: "arm64", os: "linux" } },
          { ...manifestDescriptor(image), platform: { architecture: "amd64", os: "linux" } },
        ],
      }),
    );
    const files = ociLayoutFiles({
      images: [image],
      extra: [index],
      manifests: [
        {
          mediaType: MediaTypes.ociIndex,
          digest: sha256Digest(index),
          size: index.length,
          annotations: { "io.containerd.image.name": "127.0.0.1:5000/ktl/oci-tar:multi" },
        },
      ],
    });
    const file = join(tmp, "layout.tar.gz");
    await writeFile(file, gzipSync(tarOf(files)));
    const read = await readImageArchive(file);
    expect(read.map((r) => [r.image.digest, r.tags])).toEqual([
      [image.digest, [{ repository: "ktl/oci-tar", tag: "multi", name: "127.0.0.1:5000/ktl/oci-tar:multi" }]],
    ]);
    await expect(
      readImageArchive(file, { platform: { os: "linux", architecture: "s390x" } }),
    ).rejects.toThrow(/has no linux\/s390x image in this archive/);
  });

  it("reads a docker save tar with uncompressed (and shared) layers and pushes gzip layers", async () => {
    const one = await appImage("docker-one");
    const two = await appImage("docker-two");
    const file = join(tmp, "saved.tar");
    await writeFile(
      file,
      dockerSaveTar([
        { image: one, repoTags: ["ktl/docker-one:v1", "busybox:imported"] },
        { image: two, repoTags: ["127.0.0.1:5000/ktl/docker-two:v2"] },
      ]),
    );
    const read = await readImageArchive(file);
    expect(read.map((r) => r.tags)).toEqual([
      [
        { repository: "ktl/docker-one", tag: "v1", name: "ktl/docker-one:v1" },
        { repository: "library/busybox", tag: "imported", name: "busybox:imported" },
      ],
      [{ repository: "ktl/docker-two", tag: "v2", name: "127.0.0.1:5000/ktl/docker-two:v2" }],
    ]);
    const imported = read[0]!.image;
    // Docker's image ID (the config digest) is kept; the layers are now gzip.
    expect(imported.configBlob.descriptor.digest).toBe(one.configBlob.descriptor.digest);
    expect(imported.layers.map((l) => l.descriptor.mediaType)).toEqual([
      MediaTypes.ociLayerGzip,
      MediaTypes.ociLayerGzip,
    ]);
    expect(imported.layers.map((l) => sha256Digest(gunzipSync(l.data)))).toEqual(one.config.rootfs.diff_ids);

    for (const { image, tags } of read) {
      for (const { repository, tag } of tags) {
        await pushImage({ registry: registry.address, repository: repository ?? "", tag, image });
      }
    }
    const back = await pullImage({
      registry: registry.address,
      repository: "ktl/docker-two",
      reference: "v2",
    });
    expect(back.configBlob.data.equals(two.configBlob.data)).toBe(true);
    expect(back.layers.map((l) => sha256Digest(gunzipSync(l.data)))).toEqual(two.config.rootfs.diff_ids);
    expect(back.config.config?.Cmd).toEqual(["httpd", "-f", "-h", "/srv/docker-two"]);
    // busybox:imported went to library/busybox next to the seeded tags.
    expect(await listTags({ registry: registry.address, repository: "library/busybox" })).toContain(
      "imported",
    );
  });

  it("refuses archives whose layers do not match their config", async () => {
    const image = await appImage("corrupt");
    const tar = dockerSaveTar([{ image, repoTags: ["ktl/corrupt:v1"] }]);
    // Flip one byte inside the app layer's file content.
    const at = tar.indexOf("<h1>corrupt</h1>");
    expect(at).toBeGreaterThan(0);
    tar[at + 4] = "C".charCodeAt(0);
    const file = join(tmp, "corrupt.tar");
    await writeFile(file, tar);
    await expect(readImageArchive(file)).rejects.toThrow(
      /layer .*layer\.tar has diff_id sha256:\w+, config says sha256:\w+/,
    );

    const notAnArchive = join(tmp, "empty-dir");
    await writeFilesTo(notAnArchive, [{ path: "README", data: Buffer.from("hi") }]);
    await expect(readImageArchive(notAnArchive)).rejects.toThrow(
      /neither an OCI image layout .* nor a docker save archive/,
    );
  });
});
