import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUSYBOX_PATH_ENV,
  PAUSE_ENTRYPOINT,
  buildBusyboxImage,
  buildPauseImage,
  busyboxApplets,
  busyboxVersion,
} from "./busybox.js";
import type { Image } from "./image.js";
import { readTar } from "./tar-reader.js";

const BUSYBOX = "/bin/busybox";

function layerEntries(image: Image) {
  const layer = image.layers[0];
  if (!layer) throw new Error("no layer");
  return new Map(readTar(gunzipSync(layer.data)).map((e) => [e.path, e]));
}

describe("busybox images", () => {
  let busybox: Image;
  let pause: Image;
  let dir: string;
  beforeAll(async () => {
    [busybox, pause] = await Promise.all([buildBusyboxImage(), buildPauseImage()]);
    dir = mkdtempSync(join(tmpdir(), "ktl-oci-busybox-"));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("reads the applets and version of the machine's busybox", async () => {
    const applets = await busyboxApplets(BUSYBOX);
    expect(applets).toContain("bin/sh");
    expect(applets).toContain("usr/bin/wget");
    expect(applets.length).toBeGreaterThan(100);
    expect(await busyboxVersion(BUSYBOX)).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("busybox: the binary, a link per applet, users and the usual directories", async () => {
    const entries = layerEntries(busybox);
    expect(entries.get("bin/busybox")?.data.equals(readFileSync(BUSYBOX))).toBe(true);
    expect(entries.get("bin/busybox")?.mode).toBe(0o755);
    expect(entries.get("bin/sh")).toMatchObject({ type: "symlink", linkname: "busybox" });
    expect(entries.get("usr/bin/wget")).toMatchObject({ type: "symlink", linkname: "../../bin/busybox" });
    for (const applet of await busyboxApplets(BUSYBOX)) expect(entries.has(applet), applet).toBe(true);
    expect(entries.get("tmp")).toMatchObject({ type: "directory", mode: 0o1777 });
    for (const d of ["root", "var/www", "proc", "sys", "dev", "etc"])
      expect(entries.get(d)?.type, d).toBe("directory");
    expect(entries.get("etc/passwd")?.data.toString()).toMatch(/^root:x:0:0:.*\nnobody:x:65534:65534:/);
    expect(entries.get("etc/group")?.data.toString()).toMatch(/^root:x:0:\n/);
    expect(busybox.config).toMatchObject({
      architecture: "amd64",
      os: "linux",
      config: { Cmd: ["sh"], Env: [BUSYBOX_PATH_ENV] },
    });
  });

  it("busybox: the extracted tree runs (the applet links resolve to the static binary)", () => {
    const layer = join(dir, "busybox.tar.gz");
    writeFileSync(layer, busybox.layers[0]?.data ?? Buffer.alloc(0));
    const root = join(dir, "rootfs");
    execFileSync("mkdir", ["-p", root]);
    execFileSync("tar", ["--no-same-owner", "-xzf", layer, "-C", root]);
    const out = execFileSync(join(root, "bin/sh"), ["-c", "echo from $0; basename /a/b"], { env: {} });
    expect(out.toString()).toBe("from " + join(root, "bin/sh") + "\nb\n");
    const viaEnv = execFileSync(join(root, "usr/bin/env"), ["X=1", join(root, "bin/sh"), "-c", "echo $X"], {
      env: {},
    });
    expect(viaEnv.toString()).toBe("1\n");
  });

  it("builds the same digests every time", async () => {
    expect((await buildBusyboxImage()).digest).toBe(busybox.digest);
    expect((await buildPauseImage()).digest).toBe(pause.digest);
  });

  it("pause: busybox with just sh and sleep, PID 1 script as entrypoint", () => {
    const entries = layerEntries(pause);
    const files = [...entries.values()].filter((e) => e.type !== "directory").map((e) => e.path);
    expect(files.sort()).toEqual(["bin/busybox", "bin/sh", "bin/sleep"]);
    expect(pause.config.config?.Entrypoint).toEqual(PAUSE_ENTRYPOINT);
    expect(pause.config.config?.Cmd).toBeUndefined();
    expect(entries.get("proc")?.type).toBe("directory");
    expect(entries.get("dev")?.type).toBe("directory");
    // Much smaller than busybox's layer with its ~270 links and more.
    expect(pause.layers[0]?.descriptor.size).toBeLessThan(busybox.layers[0]?.descriptor.size ?? 0);
  });

  it("refuses a dynamically linked binary", async () => {
    await expect(buildPauseImage({ busyboxPath: process.execPath })).rejects.toThrow(/dynamically linked/);
  });
});
