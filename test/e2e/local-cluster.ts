/**
 * What the end-to-end tests that run `ktl cluster up` share: running a
 * program and collecting its exit code and output, picking a port offset
 * whose every port is free (a developer's cluster may hold the defaults), and
 * finding the processes a cluster left running.
 */
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { createServer } from "node:net";

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program; never rejects: a failure is a non-zero (or -1 for a kill/timeout) code. */
export function runProgram(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number },
): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env: { ...process.env, ...options.env }, cwd: options.cwd, timeout: options.timeoutMs },
      (err, stdout, stderr) => {
        const failure = err as (Error & { code?: number | string }) | null;
        resolve({
          code: !failure ? 0 : typeof failure.code === "number" ? failure.code : -1,
          stdout,
          stderr,
        });
      },
    );
  });
}

/** Ports of `ktl cluster up` with offset 0 on 127.0.0.1 (services/ktl/src/cluster/settings.ts). */
export const CLUSTER_PORTS = [2379, 2380, 4222, 8222, 5000, 8080, 8081, 10257, 10259];
/** Ports on each node's own address 127.0.1.<i>: kubelet and kube-proxy. */
export const NODE_PORTS = [10250, 10256];

export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * An offset from `from` down to 11,000 in `step`s (below the ephemeral
 * range) whose every cluster port and every node's ports are free. Test files
 * start at different offsets so that they never pick the same one.
 */
export async function freePortOffset(options: {
  from: number;
  step?: number;
  nodes: number;
}): Promise<number> {
  const step = options.step ?? 500;
  for (let candidate = options.from; candidate >= 11_000; candidate -= step) {
    const checks = [
      ...CLUSTER_PORTS.map((p) => portFree("127.0.0.1", p + candidate)),
      ...Array.from({ length: options.nodes }, (_, i) => i + 1).flatMap((i) =>
        NODE_PORTS.map((p) => portFree(`127.0.1.${i}`, p + candidate)),
      ),
    ];
    if ((await Promise.all(checks)).every(Boolean)) return candidate;
  }
  throw new Error(`no free port offset between 11000 and ${options.from}`);
}

/** Live processes of the cluster under `home`: daemons (marked in their environment) and containerd shims. */
export async function clusterProcesses(home: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const environ = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "");
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    const state = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    if (state.slice(state.lastIndexOf(")") + 2).startsWith("Z")) continue;
    if (environ.includes(`KTL_CLUSTER_PROCESS=${home}#`) || cmdline.includes(`${home}/run/`))
      found.push(Number(pid));
  }
  return found;
}
