import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CriClient, renderContainerdConfig, teardownContainerd, writeRegistryHosts } from "@ktl/cri";
import { Child } from "./process.js";
import { removeLogs } from "./apiserver.js";

// The cleanup helpers live in @ktl/cri (shared with `ktl cluster down`); tests import them from here.
export { existingCgroups, mountsUnder, removeCgroups, removeEmptyCgroup } from "@ktl/cri";

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
  await teardownContainerd({
    socket: server.socket,
    state: server.state,
    cniConfDir: server.cniConfDir,
    mountRoots: [dir],
    running: () => server.child.running,
    stopDaemon: () => server.child.stop(10_000),
  });
  // The images and snapshots are never kept; logs only on request.
  await rm(server.root, { recursive: true, force: true });
  await rm(server.state, { recursive: true, force: true });
  await removeLogs(dir);
}
