/**
 * The cluster's daemons as processes: started detached from ktl (their own
 * session, output to a log file, so they outlive `ktl cluster up`), recorded
 * in pid files, and recognised later by a marker in their environment — a
 * recycled pid that now belongs to something else is never taken for ours,
 * let alone signalled.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** The environment variable whose value says which cluster and component a process is. */
export const MARKER_VARIABLE = "KTL_CLUSTER_PROCESS";

/** e.g. "/root/.ktl#etcd". */
export const processMarker = (home: string, component: string): string => `${home}#${component}`;

export interface DetachedOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** Appended to; stdout and stderr both go here. */
  readonly logFile: string;
  readonly marker: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/**
 * Starts a process in its own session with stdin from /dev/null and its
 * output appended to `logFile`, and resolves with its pid once it has been
 * spawned (rejects if the binary cannot be run).
 */
export async function spawnDetached(options: DetachedOptions): Promise<number> {
  await mkdir(dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, "a");
  try {
    const child = spawn(options.command, [...options.args], {
      detached: true,
      stdio: ["ignore", fd, fd],
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), [MARKER_VARIABLE]: options.marker },
    });
    try {
      // Rejects with the spawn error (ENOENT, EACCES) instead.
      await once(child, "spawn");
    } catch (err) {
      throw new Error(`cannot run ${options.command}: ${(err as Error).message}`);
    }
    child.on("error", () => undefined);
    child.unref();
    if (child.pid === undefined) throw new Error(`cannot run ${options.command}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export async function writePidFile(file: string, pid: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${pid}\n`);
}

/** The pid in a pid file, or undefined when there is none (or it holds no pid). */
export async function readPidFile(file: string): Promise<number | undefined> {
  const text = await readFile(file, "utf8").catch(() => "");
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export async function removePidFile(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** The one-letter state in /proc/PID/stat ("R", "S", "Z", …), or undefined when there is no such process. */
async function procState(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  // The command name in parentheses may hold spaces and parentheses itself.
  return stat?.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
}

/**
 * Whether `pid` is a live process carrying `marker` in its environment. A
 * zombie is dead. Without permission to read the environment (ktl run by
 * another user) a live pid is taken on trust.
 */
export async function processAlive(pid: number, marker: string): Promise<boolean> {
  const state = await procState(pid);
  if (state === undefined || state === "Z" || state === "X") return false;
  try {
    const environ = await readFile(`/proc/${pid}/environ`, "utf8");
    return environ.split("\0").includes(`${MARKER_VARIABLE}=${marker}`);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EACCES";
  }
}

export type StopOutcome = "not-running" | "stopped" | "killed";

/**
 * SIGTERM, then SIGKILL after `graceMs`, and waits (bounded) until the
 * process is gone. Only signals a process that carries `marker`.
 */
export async function stopProcess(pid: number, marker: string, graceMs: number): Promise<StopOutcome> {
  if (!(await processAlive(pid, marker))) return "not-running";
  signal(pid, "SIGTERM");
  if (await waitForExit(pid, graceMs)) return "stopped";
  if (await processAlive(pid, marker)) signal(pid, "SIGKILL");
  if (await waitForExit(pid, 10_000)) return "killed";
  throw new Error(`process ${pid} did not exit after SIGKILL`);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/** Whether the process has exited (or is a zombie) within `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await procState(pid);
    if (state === undefined || state === "Z" || state === "X") return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}
