/**
 * Tearing one node's containerd down so that nothing of it is left on the
 * machine: its pods (through the CRI, as the kubelet would remove them), the
 * daemon, then whatever a crash or a failed CRI call leaves behind — runc
 * containers and shims of this daemon, mounts (rootfs, shm, netns) under its
 * directories, the bridges its CNI configuration names, libcni's cached
 * results — and the cgroups of its pods. One implementation for the test
 * harness (startContainerd) and `ktl cluster down`.
 */
import { execFile } from "node:child_process";
import { readFile, readdir, rm, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { CriClient } from "../client.js";
import { isNotFound } from "../errors.js";

const exec = promisify(execFile);

export interface ContainerdTeardownOptions {
  /** The daemon's gRPC socket path. */
  readonly socket: string;
  /** Its state directory (runc's state is state/runc, as renderContainerdConfig sets it). */
  readonly state: string;
  /** Its CNI conf_dir: the bridges named in the .conflist there are deleted. */
  readonly cniConfDir: string;
  /** Every mount at or below these directories is unmounted once the daemon is gone. */
  readonly mountRoots: readonly string[];
  /** Whether the daemon still runs (only then are pods removed through its CRI). */
  readonly running: () => boolean;
  /** Stops the daemon; resolves once it has exited. */
  readonly stopDaemon: () => Promise<void>;
  /** Told about what could not be cleaned up the polite way (default console.warn). */
  readonly warn?: (message: string) => void;
}

/**
 * Removes every pod through the CRI (if the daemon runs), stops the daemon,
 * then kills leftover shims and runc containers, unmounts what is left under
 * `mountRoots` and deletes the CNI bridges and cached results. Throws when
 * mounts remain, so that callers never delete directories still mounted.
 */
export async function teardownContainerd(options: ContainerdTeardownOptions): Promise<void> {
  const warn = options.warn ?? ((m: string) => console.warn(m));
  if (options.running()) await removeAllPods(options.socket, warn);
  await options.stopDaemon();
  await killLeftovers(options.socket, options.state);
  for (const dir of options.mountRoots) await unmountUnder(dir);
  await removeCniLeftovers(options.cniConfDir);
}

/** Through the CRI, as the kubelet would: stop and remove every container and sandbox. */
export async function removeAllPods(
  socket: string,
  warn: (message: string) => void = (m) => console.warn(m),
): Promise<void> {
  const cri = new CriClient(`unix://${socket}`, { timeoutMs: 30_000 });
  // One failure must not keep the others from being removed; the fallbacks
  // after the daemon stops deal with whatever is left.
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      if (!isNotFound(err)) warn(`containerd cleanup: ${what}: ${String(err)}`);
    }
  };
  try {
    const { containers = [] } = await cri.listContainers({});
    for (const { id = "" } of containers) {
      await attempt(`stop container ${id}`, () => cri.stopContainer({ containerId: id, timeout: 0 }));
      await attempt(`remove container ${id}`, () => cri.removeContainer({ containerId: id }));
    }
    const { items = [] } = await cri.listPodSandbox({});
    for (const { id = "" } of items) {
      await attempt(`stop sandbox ${id}`, () => cri.stopPodSandbox({ podSandboxId: id }));
      await attempt(`remove sandbox ${id}`, () => cri.removePodSandbox({ podSandboxId: id }));
    }
  } catch (err) {
    warn(`containerd cleanup through the CRI failed: ${String(err)}`);
  } finally {
    cri.close();
  }
}

/**
 * If the CRI cleanup failed: this daemon's runc containers and its shims
 * (found by the socket path in their command line, so never another
 * daemon's).
 */
export async function killLeftovers(socket: string, state: string): Promise<void> {
  const runcRoot = join(state, "runc", "k8s.io");
  for (const id of await readdir(runcRoot).catch(() => [] as string[])) {
    await exec("runc", ["--root", runcRoot, "delete", "--force", id]).catch(() => undefined);
  }
  for (const pid of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    const args = cmdline.split("\0");
    const i = args.indexOf("-address");
    if (args[0]?.endsWith("containerd-shim-runc-v2") && i >= 0 && args[i + 1] === socket) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

/** Mount points at or below `dir`, from /proc/self/mountinfo. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile("/proc/self/mountinfo", "utf8");
  return text
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
}

/** Unmounts everything at or below `dir`, deepest first; throws if something stays mounted. */
export async function unmountUnder(dir: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const mounts = await mountsUnder(dir);
    if (mounts.length === 0) return;
    // Deepest first, so that no mount is busy because of one below it.
    for (const m of mounts.sort((a, b) => b.length - a.length)) {
      await exec("umount", [m]).catch(() => exec("umount", ["-l", m]).catch(() => undefined));
    }
  }
  const left = await mountsUnder(dir);
  if (left.length > 0) throw new Error(`mounts left under ${dir}: ${left.join(", ")}`);
}

/** The bridge plugin never deletes its bridge, and libcni caches results in /var/lib/cni. */
export async function removeCniLeftovers(cniConfDir: string): Promise<void> {
  for (const name of await readdir(cniConfDir).catch(() => [] as string[])) {
    if (!name.endsWith(".conflist")) continue;
    let conf: { name?: string; plugins?: { type?: string; bridge?: string }[] };
    try {
      conf = JSON.parse(await readFile(join(cniConfDir, name), "utf8")) as typeof conf;
    } catch {
      continue; // not ours to interpret
    }
    for (const plugin of conf.plugins ?? []) {
      if (plugin.type !== "bridge" || !plugin.bridge) continue;
      await exec("ip", ["link", "delete", "dev", plugin.bridge, "type", "bridge"]).catch(() => undefined);
    }
    const cache = "/var/lib/cni/results";
    for (const file of await readdir(cache).catch(() => [] as string[])) {
      if (conf.name && file.startsWith(`${conf.name}-`)) await rm(join(cache, file), { force: true });
    }
  }
}

function refuseRoot(path: string): void {
  if (!path.replace(/\/+/g, "")) throw new Error(`refusing to remove the root cgroup ("${path}")`);
}

/**
 * Removes a cgroup (cgroupfs path like "/ktl/node-1") and everything below
 * it in every hierarchy of /sys/fs/cgroup. Its processes must be gone.
 */
export async function removeCgroups(path: string): Promise<void> {
  refuseRoot(path);
  const hierarchies = await readdir("/sys/fs/cgroup").catch(() => [] as string[]);
  for (const h of hierarchies) {
    await removeCgroupDir(join("/sys/fs/cgroup", h, path));
  }
}

async function removeCgroupDir(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) return;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await removeCgroupDir(join(dir, entry.name));
  }
  // A cgroup whose last process just exited can be busy for a moment.
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      if (attempt >= 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Removes a cgroup in every hierarchy if it has no children and no processes. */
export async function removeEmptyCgroup(path: string): Promise<void> {
  refuseRoot(path);
  for (const h of await readdir("/sys/fs/cgroup").catch(() => [] as string[])) {
    await rmdir(join("/sys/fs/cgroup", h, path)).catch(() => undefined);
  }
}

/** The directories that exist for cgroupfs path `path`, one per hierarchy. */
export async function existingCgroups(path: string): Promise<string[]> {
  const out: string[] = [];
  for (const h of await readdir("/sys/fs/cgroup").catch(() => [] as string[])) {
    const dir = join("/sys/fs/cgroup", h, path);
    if (
      await stat(dir).then(
        () => true,
        () => false,
      )
    )
      out.push(dir);
  }
  return out;
}
