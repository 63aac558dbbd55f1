import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTar, type TarEntry } from "./tar.js";
import { readTar } from "./tar-reader.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ktl-oci-tar-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** `tar -tvf` by GNU tar, in UTC with numeric owners. */
function listWithSystemTar(archive: Buffer): string[] {
  const file = join(dir, "listed.tar");
  writeFileSync(file, archive);
  const out = execFileSync("tar", ["--numeric-owner", "-tvf", file], { env: { ...process.env, TZ: "UTC" } });
  return out
    .toString()
    .trim()
    .split("\n")
    .map((line) => line.replace(/\s+/g, " "));
}

const longDir = `${"d".repeat(60)}/${"e".repeat(60)}`;
const longName = `${longDir}/${"f".repeat(120)}.txt`;
const longTarget = `../${"t".repeat(150)}`;

const entries: TarEntry[] = [
  { type: "file", path: "/etc/passwd", data: "root:x:0:0:root:/root:/bin/sh\n", mode: 0o644 },
  { type: "file", path: "./bin/busybox", data: Buffer.from([1, 2, 3, 4]), mode: 0o755, uid: 1000, gid: 100 },
  { type: "symlink", path: "bin/sh", target: "busybox" },
  { type: "directory", path: "tmp", mode: 0o1777 },
  { type: "file", path: longName, data: "long\n", mtime: 1_700_000_000 },
  { type: "symlink", path: "long-link", target: longTarget },
  { type: "hardlink", path: "etc/passwd-", target: "etc/passwd" },
  { type: "file", path: "ünïcödé.txt", data: "u" },
];

describe("createTar", () => {
  it("writes an archive GNU tar lists as intended, long names and parents included", () => {
    const lines = listWithSystemTar(createTar(entries));
    expect(lines).toEqual([
      "drwxr-xr-x 0/0 0 1970-01-01 00:00 bin/",
      "-rwxr-xr-x 1000/100 4 1970-01-01 00:00 bin/busybox",
      "lrwxrwxrwx 0/0 0 1970-01-01 00:00 bin/sh -> busybox",
      `drwxr-xr-x 0/0 0 1970-01-01 00:00 ${"d".repeat(60)}/`,
      `drwxr-xr-x 0/0 0 1970-01-01 00:00 ${longDir}/`,
      `-rw-r--r-- 0/0 5 2023-11-14 22:13 ${longName}`,
      "drwxr-xr-x 0/0 0 1970-01-01 00:00 etc/",
      "-rw-r--r-- 0/0 30 1970-01-01 00:00 etc/passwd",
      `lrwxrwxrwx 0/0 0 1970-01-01 00:00 long-link -> ${longTarget}`,
      "drwxrwxrwt 0/0 0 1970-01-01 00:00 tmp/",
      "-rw-r--r-- 0/0 1 1970-01-01 00:00 ünïcödé.txt",
      "hrw-r--r-- 0/0 0 1970-01-01 00:00 etc/passwd- link to etc/passwd",
    ]);
  });

  it("extracts with GNU tar to the same files, links and modes", () => {
    const file = join(dir, "x.tar");
    writeFileSync(file, createTar(entries));
    const root = join(dir, "root");
    mkdirSync(root);
    execFileSync("tar", ["--no-same-owner", "-xpf", file, "-C", root]);
    expect(readFileSync(join(root, longName), "utf8")).toBe("long\n");
    expect(readFileSync(join(root, "etc/passwd-"), "utf8")).toBe("root:x:0:0:root:/root:/bin/sh\n");
    expect(statSync(join(root, "etc/passwd-")).ino).toBe(statSync(join(root, "etc/passwd")).ino);
    expect(readlinkSync(join(root, "bin/sh"))).toBe("busybox");
    expect(readlinkSync(join(root, "long-link"))).toBe(longTarget);
    expect(statSync(join(root, "tmp")).mode & 0o7777).toBe(0o1777);
    expect(statSync(join(root, "bin/busybox")).mode & 0o777).toBe(0o755);
    expect([...readFileSync(join(root, "bin/busybox"))]).toEqual([1, 2, 3, 4]);
    expect(readFileSync(join(root, "ünïcödé.txt"), "utf8")).toBe("u");
  });

  it("is deterministic: input order does not change a byte", () => {
    const a = createTar(entries);
    const b = createTar([...entries].reverse());
    expect(b.equals(a)).toBe(true);
    expect(a.length % 512).toBe(0);
    // Ends with two zero blocks.
    expect(a.subarray(-1024).every((x) => x === 0)).toBe(true);
  });

  it("uses the given epoch for entries without an mtime", () => {
    const lines = listWithSystemTar(createTar([{ type: "file", path: "a", data: "" }], { mtime: 86_400 }));
    expect(lines).toEqual(["-rw-r--r-- 0/0 0 1970-01-02 00:00 a"]);
  });

  it("rejects duplicate and empty paths", () => {
    expect(() =>
      createTar([
        { type: "file", path: "a", data: "" },
        { type: "file", path: "./a", data: "" },
      ]),
    ).toThrow(/duplicate tar entry a/);
    expect(() => createTar([{ type: "directory", path: "/" }])).toThrow(/invalid tar path/);
  });
});

describe("readTar", () => {
  it("reads back what createTar wrote", () => {
    const read = readTar(createTar(entries));
    const byPath = new Map(read.map((e) => [e.path, e]));
    expect(byPath.get(longName)?.data.toString()).toBe("long\n");
    expect(byPath.get(longName)?.mtime).toBe(1_700_000_000);
    expect(byPath.get("long-link")).toMatchObject({ type: "symlink", linkname: longTarget });
    expect(byPath.get("etc/passwd-")).toMatchObject({ type: "hardlink", linkname: "etc/passwd" });
    expect(byPath.get("tmp")).toMatchObject({ type: "directory", mode: 0o1777 });
    expect(byPath.get("bin/busybox")).toMatchObject({ type: "file", mode: 0o755, uid: 1000, gid: 100 });
    expect(byPath.get("ünïcödé.txt")?.data.toString()).toBe("u");
  });

  it.each(["gnu", "pax", "ustar"])("reads archives GNU tar writes in %s format", (format) => {
    const src = join(dir, "src");
    // ustar splits long names into its prefix field; gnu and pax have no length limit.
    const name =
      format === "ustar" ? `${"p".repeat(90)}/${"q".repeat(60)}` : `${"p".repeat(120)}/${"q".repeat(120)}`;
    mkdirSync(join(src, name, ".."), { recursive: true });
    writeFileSync(join(src, name), "content");
    const file = join(dir, `${format}.tar`);
    execFileSync("tar", [`--format=${format}`, "-cf", file, "-C", src, "."]);
    const read = readTar(readFileSync(file));
    expect(read.find((e) => e.path === name)?.data.toString()).toBe("content");
    expect(read.find((e) => e.path === name.split("/")[0])?.type).toBe("directory");
  });

  it("rejects what is not a tar archive", () => {
    expect(() => readTar(Buffer.alloc(1024, 7))).toThrow(/bad header checksum/);
  });
});
