import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  MediaTypes,
  assembleImage,
  createImage,
  createLayer,
  layerFromTar,
  sha256Digest,
  verifyDiffIds,
} from "./image.js";
import { createTar } from "./tar.js";

const hex = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

describe("layers", () => {
  it("digest is the sha256 of the gzip blob, diff_id that of the tar inside", async () => {
    const tar = createTar([{ type: "file", path: "hello.txt", data: "hello\n" }]);
    const layer = await layerFromTar(tar);
    expect(layer.data[0]).toBe(0x1f);
    expect(layer.data[1]).toBe(0x8b);
    expect(gunzipSync(layer.data).equals(tar)).toBe(true);
    expect(layer.descriptor).toEqual({
      mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
      digest: `sha256:${hex(layer.data)}`,
      size: layer.data.length,
    });
    expect(layer.diffId).toBe(`sha256:${hex(tar)}`);
  });

  it("the same entries give the same layer digest", async () => {
    const entries = [
      { type: "file", path: "b", data: "2" },
      { type: "file", path: "a/x", data: "1" },
    ] as const;
    const one = await createLayer(entries);
    const two = await createLayer([...entries].reverse());
    expect(two.descriptor.digest).toBe(one.descriptor.digest);
    const other = await createLayer([{ type: "file", path: "b", data: "3" }]);
    expect(other.descriptor.digest).not.toBe(one.descriptor.digest);
  });
});

describe("createImage", () => {
  it("writes an OCI config and manifest that name each other by digest", async () => {
    const layer = await createLayer([{ type: "file", path: "bin/app", data: "#!/bin/sh\n", mode: 0o755 }]);
    const image = createImage({
      layers: [layer],
      config: {
        Entrypoint: ["/bin/app"],
        Cmd: ["--help"],
        Env: ["A=1"],
        WorkingDir: "/",
        ExposedPorts: { "80/tcp": {} },
      },
      createdBy: ["test layer"],
    });

    expect(JSON.parse(image.manifestBytes.toString())).toEqual({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: `sha256:${hex(image.configBlob.data)}`,
        size: image.configBlob.data.length,
      },
      layers: [
        {
          mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
          digest: `sha256:${hex(layer.data)}`,
          size: layer.data.length,
        },
      ],
    });
    expect(image.digest).toBe(`sha256:${hex(image.manifestBytes)}`);
    expect(image.mediaType).toBe(MediaTypes.ociManifest);

    expect(JSON.parse(image.configBlob.data.toString())).toEqual({
      created: "1970-01-01T00:00:00Z",
      architecture: "amd64",
      os: "linux",
      config: {
        Entrypoint: ["/bin/app"],
        Cmd: ["--help"],
        Env: ["A=1"],
        WorkingDir: "/",
        ExposedPorts: { "80/tcp": {} },
      },
      rootfs: { type: "layers", diff_ids: [layer.diffId] },
      history: [{ created: "1970-01-01T00:00:00Z", created_by: "test layer" }],
    });
    await verifyDiffIds(image);
  });

  it("is deterministic", async () => {
    const build = async () =>
      createImage({
        layers: [await createLayer([{ type: "file", path: "x", data: "x" }])],
        config: { Cmd: ["x"] },
      });
    expect((await build()).digest).toBe((await build()).digest);
  });
});

describe("assembleImage", () => {
  it("rebuilds an image from its manifest and blobs", async () => {
    const layer = await createLayer([{ type: "file", path: "x", data: "x" }]);
    const image = createImage({ layers: [layer] });
    const again = assembleImage({
      manifestBytes: image.manifestBytes,
      blobs: [layer.data, image.configBlob.data],
    });
    expect(again.digest).toBe(image.digest);
    expect(again.layers[0]?.data.equals(layer.data)).toBe(true);
  });

  it("refuses missing blobs, wrong sizes and a layer that is not the config's diff_id", async () => {
    const layer = await createLayer([{ type: "file", path: "x", data: "x" }]);
    const image = createImage({ layers: [layer] });
    expect(() =>
      assembleImage({ manifestBytes: image.manifestBytes, blobs: [image.configBlob.data] }),
    ).toThrow(/layer 0 sha256:[0-9a-f]{64} is missing/);

    const manifest = JSON.parse(image.manifestBytes.toString());
    manifest.layers[0].size += 1;
    expect(() =>
      assembleImage({
        manifestBytes: Buffer.from(JSON.stringify(manifest)),
        blobs: [layer.data, image.configBlob.data],
      }),
    ).toThrow(/is \d+ bytes, manifest says/);

    const other = await createLayer([{ type: "file", path: "y", data: "y" }]);
    const config = JSON.parse(image.configBlob.data.toString());
    config.rootfs.diff_ids = [other.diffId];
    const configData = Buffer.from(JSON.stringify(config));
    const wrong = {
      ...JSON.parse(image.manifestBytes.toString()),
      config: { mediaType: MediaTypes.ociConfig, digest: sha256Digest(configData), size: configData.length },
    };
    const assembled = assembleImage({
      manifestBytes: Buffer.from(JSON.stringify(wrong)),
      blobs: [layer.data, configData],
    });
    await expect(verifyDiffIds(assembled)).rejects.toThrow(/has diff_id .* config says/);
  });
});
