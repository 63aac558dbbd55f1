import { mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConfigMap, Pod, Volume } from "@ktl/api";
import { notFound } from "@ktl/apimachinery";
import { containerMounts, setUpVolumes, tearDownVolumes, VolumeError } from "./volumes.js";

let dir: string;
let configMap: ConfigMap | undefined;
const getConfigMap = (): Promise<ConfigMap> =>
  configMap
    ? Promise.resolve(configMap)
    : Promise.reject(notFound({ group: "", resource: "configmaps" }, "cfg"));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ktl-volumes-"));
  configMap = {
    metadata: { name: "cfg" },
    data: { a: "1", b: "2" },
    binaryData: { bin: Buffer.from([0, 1]).toString("base64") },
  };
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const pod = (volumes: Volume[]): Pod => ({
  metadata: { uid: "u1", namespace: "default", name: "p" },
  spec: { volumes },
});
const setUp = (volumes: Volume[]) =>
  setUpVolumes({ pod: pod(volumes), podsDir: join(dir, "pods"), getConfigMap });

describe("volumes", () => {
  it("writes configMap volumes atomically and rewrites them when the data changes", async () => {
    const volumes = await setUp([{ name: "cfg", configMap: { name: "cfg" } }]);
    const path = volumes.get("cfg")?.hostPath ?? "";
    expect(path).toBe(join(dir, "pods/u1/volumes/kubernetes.io~configmap/cfg"));
    expect(await readFile(join(path, "a"), "utf8")).toBe("1");
    expect([...(await readFile(join(path, "bin")))]).toEqual([0, 1]);
    expect(await readlink(join(path, "a"))).toBe("..data/a");
    expect((await stat(join(path, "a"))).mode & 0o777).toBe(0o644);
    const version = await readlink(join(path, "..data"));
    await setUp([{ name: "cfg", configMap: { name: "cfg" } }]);
    expect(await readlink(join(path, "..data"))).toBe(version);
    configMap = { metadata: { name: "cfg" }, data: { a: "changed" } };
    await setUp([{ name: "cfg", configMap: { name: "cfg" } }]);
    expect(await readFile(join(path, "a"), "utf8")).toBe("changed");
    expect((await readdir(path)).sort()).toEqual(
      ["..data", await readlink(join(path, "..data")), "a"].sort(),
    );
  });

  it("projects selected keys with modes, and fails on missing ones unless optional", async () => {
    const volumes = await setUp([
      {
        name: "cfg",
        configMap: {
          name: "cfg",
          defaultMode: 0o600,
          items: [
            { key: "b", path: "sub/b.txt", mode: 0o400 },
            { key: "a", path: "a.txt" },
          ],
        },
      },
    ]);
    const path = volumes.get("cfg")?.hostPath ?? "";
    expect(await readFile(join(path, "sub/b.txt"), "utf8")).toBe("2");
    expect((await stat(join(path, "sub/b.txt"))).mode & 0o777).toBe(0o400);
    expect((await stat(join(path, "a.txt"))).mode & 0o777).toBe(0o600);
    await expect(
      setUp([{ name: "x", configMap: { name: "cfg", items: [{ key: "zz", path: "z" }] } }]),
    ).rejects.toThrow(
      'MountVolume.SetUp failed for volume "x" : configmap references non-existent config key: zz',
    );
    configMap = undefined;
    await expect(setUp([{ name: "x", configMap: { name: "cfg" } }])).rejects.toThrow(VolumeError);
    await expect(setUp([{ name: "x", configMap: { name: "cfg", optional: true } }])).resolves.toBeDefined();
  });

  it("checks hostPath types and creates what *OrCreate asks for", async () => {
    const host = join(dir, "host");
    await mkdir(host);
    await writeFile(join(host, "file"), "x");
    await expect(
      setUp([{ name: "h", hostPath: { path: join(host, "new"), type: "DirectoryOrCreate" } }]),
    ).resolves.toBeDefined();
    expect((await stat(join(host, "new"))).isDirectory()).toBe(true);
    await setUp([{ name: "h", hostPath: { path: join(host, "made"), type: "FileOrCreate" } }]);
    expect((await stat(join(host, "made"))).isFile()).toBe(true);
    await expect(
      setUp([{ name: "h", hostPath: { path: join(host, "file"), type: "Directory" } }]),
    ).rejects.toThrow(`hostPath type check failed: ${join(host, "file")} is not a directory`);
    await expect(
      setUp([{ name: "h", hostPath: { path: join(host, "missing"), type: "File" } }]),
    ).rejects.toThrow(/is not a file/);
  });

  it("mounts volumes with subPath into containers and tears them down", async () => {
    const volumes = await setUp([
      { name: "scratch", emptyDir: { medium: "Memory" } },
      { name: "cfg", configMap: { name: "cfg" } },
    ]);
    const mounts = await containerMounts(
      {
        name: "c",
        volumeMounts: [
          { name: "scratch", mountPath: "/data", subPath: "sub/dir" },
          { name: "cfg", mountPath: "/etc/cfg", readOnly: false },
        ],
      },
      volumes,
    );
    const scratch = join(dir, "pods/u1/volumes/kubernetes.io~empty-dir/scratch");
    expect(mounts).toMatchObject([
      { containerPath: "/data", hostPath: join(scratch, "sub/dir"), readonly: false },
      { containerPath: "/etc/cfg", readonly: true },
    ]);
    expect((await stat(join(scratch, "sub/dir"))).isDirectory()).toBe(true);
    await expect(
      containerMounts({ name: "c", volumeMounts: [{ name: "nope", mountPath: "/x" }] }, volumes),
    ).rejects.toThrow('cannot find volume "nope" to mount into container "c"');
    await expect(
      containerMounts(
        { name: "c", volumeMounts: [{ name: "scratch", mountPath: "/x", subPath: "../escape" }] },
        volumes,
      ),
    ).rejects.toThrow(VolumeError);
    await tearDownVolumes(join(dir, "pods"), "u1");
    await expect(stat(join(dir, "pods/u1"))).rejects.toThrow();
  });
});
