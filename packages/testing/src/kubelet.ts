import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ContainerdServer } from "./containerd.js";
import { startService, type ServiceProcess } from "./service.js";

export interface KubeletProcess extends ServiceProcess {
  /** The Node's name (with --hollow-nodes N: the first one, "<name>-0"). */
  readonly nodeName: string;
  /** Its HTTP port (/containerLogs, /healthz, /metrics). */
  readonly port: number;
  /** Every hollow node's port by index (one entry without --hollow-nodes). */
  readonly ports: readonly number[];
  /** The kubelet's --root-dir. */
  readonly rootDir: string;
}

/**
 * Starts the built kubelet (services/kubelet/dist/main.js) for one node
 * against an apiserver's gRPC address, on a free port unless `args` sets
 * --port, and resolves once it logged "kubelet ready" (Node registered, pod
 * manager running). Without `rootDir` it gets a temporary one that `stop()`
 * removes; a given `rootDir` is left alone, so a test can restart a kubelet
 * on the same data.
 */
export async function startKubelet(options: {
  /** The apiserver's gRPC address. */
  apiserver: string;
  nodeName: string;
  runtime: "cri" | "fake";
  /**
   * With the CRI runtime: the containerd (startContainerd) whose socket, CNI
   * config dir and log dir the kubelet uses, and the cgroup its pods go below.
   */
  containerd?: { server: Pick<ContainerdServer, "socket" | "cniConfDir" | "logDir">; cgroupRoot: string };
  args?: readonly string[];
  rootDir?: string;
  timeoutMs?: number;
}): Promise<KubeletProcess> {
  const ownDir = options.rootDir === undefined;
  const rootDir = options.rootDir ?? (await mkdtemp(join(tmpdir(), `ktl-kubelet-${options.nodeName}-`)));
  const args = [
    "--apiserver",
    options.apiserver,
    "--node-name",
    options.nodeName,
    "--runtime",
    options.runtime,
    "--root-dir",
    rootDir,
    ...(options.args?.includes("--port") ? [] : ["--port", "0"]),
    ...(options.containerd ? containerdArgs(options.containerd) : []),
    ...(options.args ?? []),
  ];
  let service: ServiceProcess;
  try {
    service = await startService({
      name: "kubelet",
      args,
      readyMessage: "kubelet ready",
      timeoutMs: options.timeoutMs ?? 60_000,
    });
  } catch (err) {
    if (ownDir) await rm(rootDir, { recursive: true, force: true });
    throw err;
  }
  let ready: { node: string; port: number; ports?: number[] };
  try {
    ready = await readyLine(service.logFile);
  } catch (err) {
    await service.stop();
    if (ownDir) await rm(rootDir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...service,
    nodeName: ready.node,
    port: ready.port,
    ports: ready.ports ?? [ready.port],
    rootDir,
    stop: async () => {
      await service.stop();
      if (ownDir) await rm(rootDir, { recursive: true, force: true });
    },
  };
}

/** The "kubelet ready" line, once it has reached the log file whole. */
async function readyLine(logFile: string): Promise<{ node: string; port: number; ports?: number[] }> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const text = await readFile(logFile, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(0, -1)) {
      if (!line.includes('"kubelet ready"')) continue;
      return JSON.parse(line) as { node: string; port: number; ports?: number[] };
    }
    if (Date.now() > deadline) throw new Error(`no complete "kubelet ready" line in ${logFile}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function containerdArgs(c: NonNullable<Parameters<typeof startKubelet>[0]["containerd"]>): string[] {
  return [
    ...["--container-runtime-endpoint", c.server.socket],
    ...["--cni-conf-dir", c.server.cniConfDir],
    ...["--pod-logs-dir", c.server.logDir],
    ...["--cgroup-root", c.cgroupRoot],
  ];
}
