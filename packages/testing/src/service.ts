import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, removeLogs } from "./apiserver.js";
import { Child } from "./process.js";

export interface ServiceProcess {
  readonly child: Child;
  /** The service's /healthz and /metrics base URL, when it logged one. */
  readonly healthUrl: string | undefined;
  readonly logFile: string;
  /** SIGTERM, then SIGKILL after the grace period. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
}

/**
 * Starts a built service (services/<name>/dist/main.js) as a tracked child
 * process with its log in a temporary directory; resolves once the process
 * has logged `readyMessage` (a substring of one of its JSON log lines).
 */
export async function startService(options: {
  name: string;
  args: readonly string[];
  readyMessage: string;
  timeoutMs?: number;
}): Promise<ServiceProcess> {
  const dir = await mkdtemp(join(tmpdir(), `ktl-${options.name}-`));
  const logFile = join(dir, `${options.name}.log`);
  const child = new Child({
    command: process.execPath,
    args: [
      ...serviceNodeArgs(options.name),
      join(REPO_ROOT, `services/${options.name}/dist/main.js`),
      ...options.args,
    ],
    logFile,
  });
  let healthUrl: string | undefined;
  await new Promise<void>((resolve, reject) => {
    let buffered = "";
    const timer = setTimeout(
      () =>
        reject(new Error(`${options.name} did not log "${options.readyMessage}" in time; see ${logFile}`)),
      options.timeoutMs ?? 20_000,
    );
    child.process.stderr?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      healthUrl ??= /"health":"([^"]+)"/.exec(buffered)?.[1];
      if (buffered.includes(options.readyMessage)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.process.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with ${code}; see ${logFile}`));
    });
  });
  return {
    child,
    logFile,
    healthUrl,
    stop: async () => {
      await child.stop();
      await removeLogs(dir);
    },
    kill: () => child.kill(),
  };
}

/** The controller-manager against an apiserver's gRPC address; resolves once its caches synced. */
export function startControllerManager(options: {
  apiserver: string;
  args?: readonly string[];
  /** What to wait for in the log; a standby instance never syncs caches, so wait for "starting". */
  readyMessage?: string;
}): Promise<ServiceProcess> {
  return startService({
    name: "controller-manager",
    // A free port for /metrics, so several instances can run side by side.
    args: ["--apiserver", options.apiserver, "--health-port", "0", ...(options.args ?? [])],
    readyMessage: options.readyMessage ?? "caches synced",
  });
}

/** The scheduler against an apiserver's gRPC address; resolves once its informers synced. */
export function startScheduler(options: {
  apiserver: string;
  args?: readonly string[];
}): Promise<ServiceProcess> {
  return startService({
    name: "scheduler",
    args: ["--apiserver", options.apiserver, "--health-port", "0", ...(options.args ?? [])],
    readyMessage: "caches synced",
  });
}

/**
 * Extra node flags for one service, e.g. to profile the scheduler under a
 * benchmark: KTL_NODE_ARGS_SCHEDULER="--cpu-prof --cpu-prof-dir=/tmp/prof"
 * (node refuses --cpu-prof in NODE_OPTIONS).
 */
function serviceNodeArgs(name: string): string[] {
  const value = process.env[`KTL_NODE_ARGS_${name.toUpperCase().replace(/-/g, "_")}`] ?? "";
  return value.split(/\s+/).filter(Boolean);
}
