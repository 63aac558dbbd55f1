import { readFile, statfs } from "node:fs/promises";
import { dirname } from "node:path";
import { arch, release } from "node:os";

/** What the Node reports about its machine (status.nodeInfo without the versions). */
export interface SystemInfo {
  readonly machineID: string;
  readonly systemUUID: string;
  readonly bootID: string;
  readonly kernelVersion: string;
  readonly osImage: string;
  readonly operatingSystem: string;
  readonly architecture: string;
}

/** Node's process.arch → Go's GOARCH, which Kubernetes labels and reports. */
export function goArch(nodeArch: string = arch()): string {
  const map: Record<string, string> = {
    x64: "amd64",
    ia32: "386",
    arm64: "arm64",
    arm: "arm",
    ppc64: "ppc64le",
    s390x: "s390x",
  };
  return map[nodeArch] ?? nodeArch;
}

/** PRETTY_NAME from /etc/os-release, unquoted. */
export function parseOsRelease(text: string): string | undefined {
  for (const line of text.split("\n")) {
    const m = /^PRETTY_NAME=(.*)$/.exec(line.trim());
    if (!m?.[1]) continue;
    const value = m[1].trim();
    const quoted = /^(["'])(.*)\1$/.exec(value);
    return (quoted ? (quoted[2] ?? "") : value).replace(/\\(["'\\$`])/g, "$1");
  }
  return undefined;
}

type Reader = (path: string) => Promise<string>;
const readText: Reader = (path) => readFile(path, "utf8");

/**
 * Reads the machine's identity as the kubelet (cadvisor) does; a file that
 * cannot be read (product_uuid is root-only, containers lack DMI) leaves its
 * field empty rather than failing the registration.
 */
export async function readSystemInfo(read: Reader = readText): Promise<SystemInfo> {
  const first = async (...paths: string[]): Promise<string> => {
    for (const path of paths) {
      try {
        const text = (await read(path)).trim();
        if (text) return text;
      } catch {
        // unreadable: try the next
      }
    }
    return "";
  };
  const osRelease = await first("/etc/os-release", "/usr/lib/os-release");
  return {
    machineID: await first("/etc/machine-id", "/var/lib/dbus/machine-id"),
    systemUUID: (await first("/sys/class/dmi/id/product_uuid")).toLowerCase(),
    bootID: await first("/proc/sys/kernel/random/boot_id"),
    kernelVersion: release(),
    osImage: parseOsRelease(osRelease) ?? "Linux",
    operatingSystem: "linux",
    architecture: goArch(),
  };
}

/**
 * The size of the filesystem holding `path` (its nearest existing ancestor
 * when it does not exist yet): the node's ephemeral-storage capacity.
 * Undefined when it cannot be read.
 */
export async function filesystemBytes(path: string): Promise<number | undefined> {
  for (let p = path; ; p = dirname(p)) {
    try {
      const fs = await statfs(p);
      return fs.blocks * fs.bsize;
    } catch {
      if (dirname(p) === p) return undefined;
    }
  }
}
