/**
 * The cluster's base images, built from the machine's statically linked
 * busybox (Debian's busybox-static): `busybox` (like Docker Hub's) and the
 * pod sandbox ("pause") image.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { posix } from "node:path";
import { promisify } from "node:util";
import { createImage, createLayer, type Image } from "./image.js";
import type { TarEntry } from "./tar.js";

const exec = promisify(execFile);

export const DEFAULT_BUSYBOX_PATH = "/bin/busybox";
/** Docker Hub busybox's PATH. */
export const BUSYBOX_PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The pause container's program: PID 1 must handle SIGTERM/SIGINT itself
 * (the kernel drops signals to a namespace's init that has no handler),
 * reap orphans re-parented to it (ash's `wait` reaps any child) and never
 * exit otherwise.
 */
export const PAUSE_ENTRYPOINT: readonly string[] = [
  "/bin/sh",
  "-c",
  "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done",
];

export interface BusyboxOptions {
  /** Default /bin/busybox; must be statically linked (the image has no libc). */
  readonly busyboxPath?: string;
}

/** Applet install paths, e.g. ["bin/sh", "usr/bin/wget", …], from `busybox --list-full`. */
export async function busyboxApplets(busyboxPath = DEFAULT_BUSYBOX_PATH): Promise<string[]> {
  const { stdout } = await exec(busyboxPath, ["--list-full"]);
  return stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** e.g. "1.35.0", from the banner busybox prints first. */
export async function busyboxVersion(busyboxPath = DEFAULT_BUSYBOX_PATH): Promise<string> {
  // `busybox --help` exits 0 on some builds and 1 on others; the banner is there either way.
  const output = await exec(busyboxPath, ["--help"]).then(
    (r) => r.stdout + r.stderr,
    (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ""}${err.stderr ?? ""}`,
  );
  const match = /BusyBox v(\d+\.\d+\.\d+)/.exec(output);
  if (!match?.[1]) throw new Error(`cannot tell the version of ${busyboxPath}`);
  return match[1];
}

async function readStaticBusybox(busyboxPath: string): Promise<Buffer> {
  const data = await readFile(busyboxPath);
  if (hasInterpreter(data)) throw new Error(`${busyboxPath} is dynamically linked; install busybox-static`);
  return data;
}

/** Whether a 64-bit little-endian ELF has a PT_INTERP header, i.e. needs a dynamic loader. */
function hasInterpreter(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const offset = phoff + i * phentsize;
    if (offset + 4 <= elf.length && elf.readUInt32LE(offset) === 3) return true;
  }
  return false;
}

/** bin/busybox plus one relative symlink per applet path. */
function busyboxEntries(binary: Buffer, applets: readonly string[]): TarEntry[] {
  const entries: TarEntry[] = [{ type: "file", path: "bin/busybox", data: binary, mode: 0o755 }];
  for (const applet of new Set(applets)) {
    if (applet === "bin/busybox") continue;
    // Relative, so the tree also works when looked at from outside the container.
    const target = posix.relative(posix.dirname(applet), "bin/busybox");
    entries.push({ type: "symlink", path: applet, target, mode: 0o777 });
  }
  return entries;
}

/** Directories every container rootfs has (runtimes mount over /proc, /sys, /dev). */
function baseDirectories(): TarEntry[] {
  return [
    { type: "directory", path: "dev", mode: 0o755 },
    { type: "directory", path: "proc", mode: 0o555 },
    { type: "directory", path: "sys", mode: 0o555 },
    { type: "directory", path: "etc", mode: 0o755 },
    { type: "directory", path: "tmp", mode: 0o1777 },
  ];
}

/** An image like Docker Hub's busybox: every applet, a root and a nobody user, sh as the command. */
export async function buildBusyboxImage(options: BusyboxOptions = {}): Promise<Image> {
  const busyboxPath = options.busyboxPath ?? DEFAULT_BUSYBOX_PATH;
  const [binary, applets, version] = await Promise.all([
    readStaticBusybox(busyboxPath),
    busyboxApplets(busyboxPath),
    busyboxVersion(busyboxPath),
  ]);
  const layer = await createLayer([
    ...busyboxEntries(binary, applets),
    ...baseDirectories(),
    { type: "directory", path: "root", mode: 0o700 },
    { type: "directory", path: "var/www", mode: 0o755 },
    { type: "directory", path: "home", mode: 0o755 },
    { type: "directory", path: "usr/local/bin", mode: 0o755 },
    {
      type: "file",
      path: "etc/passwd",
      mode: 0o644,
      data: "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
    },
    { type: "file", path: "etc/group", mode: 0o644, data: "root:x:0:\nnobody:x:65534:\n" },
  ]);
  return createImage({
    layers: [layer],
    config: { Cmd: ["sh"], Env: [BUSYBOX_PATH_ENV] },
    createdBy: [`ktl oci: busybox ${version} with ${applets.length} applets`],
  });
}

/**
 * The pod sandbox image: busybox with just sh and sleep, running
 * PAUSE_ENTRYPOINT as PID 1 to hold the pod's namespaces.
 */
export async function buildPauseImage(options: BusyboxOptions = {}): Promise<Image> {
  const busyboxPath = options.busyboxPath ?? DEFAULT_BUSYBOX_PATH;
  const binary = await readStaticBusybox(busyboxPath);
  const layer = await createLayer([...busyboxEntries(binary, ["bin/sh", "bin/sleep"]), ...baseDirectories()]);
  return createImage({
    layers: [layer],
    config: { Entrypoint: PAUSE_ENTRYPOINT, Env: [BUSYBOX_PATH_ENV], WorkingDir: "/", User: "0:0" },
    createdBy: ["ktl oci: pause (busybox sh as PID 1)"],
  });
}
