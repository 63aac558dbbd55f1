import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CriClient, isNotFound, renderContainerdConfig, writeRegistryHosts } from "@ktl/cri";
import { Child } from "./process.js";
import { removeLogs } from "./apiserver.js";

const exec = promisify(execFile);

export interface ContainerdOptions {
  /** The pause image, e.g. sandboxImageRef(registry) from @ktl/oci. */
  readonly sandboxImage: string;
  /** The local registry, "127.0.0.1:PORT"; docker.io pulls go there too. */
  readonly registry: string;
  readonly binary?: string;
  readonly logLevel?: "debug" | "info" | "warn" | "error";
  /**
   * Run containerd inside this (existing) network namespace, e.g. one with
   * only loopback to prove that pulls never leave the machine. Its sockets
   * are files, so the CRI is reachable from anywhere.
   */
  readonly netns?: string;
}

export interface ContainerdServer {
  /** The gRPC socket path; CriClient takes `unix://${socket}`. */
  readonly socket: string;
  readonly root: string;
  readonly state: string;
  /** Write the node's .conflist here (see @ktl/node-network writeCniConfig). */
  readonly cniConfDir: string;
  /** A directory for pod logs (PodSandboxConfig.logDirectory), removed on stop. */
  readonly logDir: string;
  /** containerd's own log. */
  readonly logFile: string;
  readonly child: Child;
  /**
   * Stops and removes every sandbox and container (through the CRI), stops
   * containerd, then removes whatever is left: runc containers and shims of
   * this daemon, mounts under its directories, the bridges named in its CNI
   * config, and the directory itself.
   */
  stop(): Promise<void>;
}

/**
 * Starts a containerd of its own (own root, state, sockets, CNI and registry
 * configuration) in a temporary directory and waits until its CRI answers.
 * Needs root. Several may run at once, as nodes sharing a machine do.
 */
export async function startContainerd(options: ContainerdOptions): Promise<ContainerdServer> {
  const dir = await mkdtemp(join(tmpdir(), "ktl-containerd-"));
  const root = join(dir, "root");
  const state = join(dir, "state");
  const socket = join(dir, "containerd.sock");
  const cniConfDir = join(dir, "cni", "net.d");
  const certsDir = join(dir, "certs.d");
  const logDir = join(dir, "pod-logs");
  const logFile = join(dir, "containerd.log");
  for (const d of [root, state, cniConfDir, certsDir, logDir]) await mkdir(d, { recursive: true });
  const config = join(dir, "config.toml");
  await writeFile(
    config,
    renderContainerdConfig({
      root,
      state,
      socket,
      sandboxImage: options.sandboxImage,
      cniConfDir,
      registryConfigPath: certsDir,
      logLevel: options.logLevel ?? "info",
    }),
  );
  await writeRegistryHosts({ configPath: certsDir, registry: options.registry });

  const binary = options.binary ?? process.env.KTL_CONTAINERD ?? "containerd";
  // `ip netns exec` execs the command: the child's pid is containerd's.
  const child = new Child({
    command: options.netns ? "ip" : binary,
    args: [...(options.netns ? ["netns", "exec", options.netns, binary] : []), "--config", config],
    logFile,
  });
  child.process.once("error", () => undefined);
  const server: ContainerdServer = {
    socket,
    root,
    state,
    cniConfDir,
    logDir,
    logFile,
    child,
    stop: () => stopContainerd(server, dir),
  };
  try {
    await waitForCri(socket, child, logFile);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

async function waitForCri(socket: string, child: Child, logFile: string, timeoutMs = 20_000): Promise<void> {
  const client = new CriClient(`unix://${socket}`);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (!child.running) {
        throw new Error(`containerd exited early:\n${await tail(logFile)}`);
      }
      try {
        // Version answers only once the CRI plugin has loaded.
        await client.version({ version: "v1" }, { timeoutMs: 1000 });
        return;
      } catch {
        if (Date.now() > deadline) {
          throw new Error(`containerd's CRI did not answer within ${timeoutMs} ms:\n${await tail(logFile)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.close();
  }
}

async function tail(file: string, lines = 30): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

async function stopContainerd(server: ContainerdServer, dir: string): Promise<void> {
  if (server.child.running) await removeAllPods(server.socket);
  await server.child.stop(10_000);
  await killLeftovers(server);
  await unmountUnder(dir);
  await removeCniLeftovers(server.cniConfDir);
  // The images and snapshots are never kept; logs only on request.
  await rm(server.root, { recursive: true, force: true });
  await rm(server.state, { recursive: true, force: true });
  await removeLogs(dir);
}

/** Through the CRI, as the kubelet would: stop and remove every container and sandbox. */
async function removeAllPods(socket: string): Promise<void> {
  const cri = new CriClient(`unix://${socket}`, { timeoutMs: 30_000 });
  // One failure must not keep the others from being removed; the fallbacks
  // after the daemon stops deal with whatever is left.
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      if (!isNotFound(err)) console.warn(`containerd cleanup: ${what}: ${String(err)}`);
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
    console.warn(`containerd cleanup through the CRI failed: ${String(err)}`);
  } finally {
    cri.close();
  }
}

/**
 * If the CRI cleanup failed: this daemon's shims (found by the socket path in
 * their command line, so never another daemon's) and runc containers.
 */
async function killLeftovers(server: ContainerdServer): Promise<void> {
  const runcRoot = join(server.state, "runc", "k8s.io");
  const ids = await readdir(runcRoot).catch(() => [] as string[]);
  for (const id of ids) {
    await exec("runc", ["--root", runcRoot, "delete", "--force", id]).catch(() => undefined);
  }
  for (const pid of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    const args = cmdline.split("\0");
    const i = args.indexOf("-address");
    if (args[0]?.endsWith("containerd-shim-runc-v2") && i >= 0 && args[i + 1] === server.socket) {
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

async function unmountUnder(dir: string): Promise<void> {
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
async function removeCniLeftovers(cniConfDir: string): Promise<void> {
  for (const name of await readdir(cniConfDir).catch(() => [] as string[])) {
    if (!name.endsWith(".conflist")) continue;
    const conf = JSON.parse(await readFile(join(cniConfDir, name), "utf8")) as {
      name?: string;
      plugins?: { type?: string; bridge?: string }[];
    };
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

/**
 * Removes a cgroup (cgroupfs path like "/ktl-test/abc") and everything below
 * it in every hierarchy of /sys/fs/cgroup. Its processes must be gone.
 */
export async function removeCgroups(path: string): Promise<void> {
  if (!path.replace(/\/+/g, "")) throw new Error(`refusing to remove the root cgroup ("${path}")`);
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
  if (!path.replace(/\/+/g, "")) throw new Error(`refusing to remove the root cgroup ("${path}")`);
  for (const h of await readdir("/sys/fs/cgroup").catch(() => [] as string[])) {
    await rmdir(join("/sys/fs/cgroup", h, path)).catch(() => undefined);
  }
}

/** cgroupfs paths (relative to each hierarchy) that exist for `path` — for tests. */
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
