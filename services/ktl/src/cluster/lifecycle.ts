/**
 * One component's life: started detached with its pid recorded, waited for
 * until healthy (or until it dies, with the end of its log in the error),
 * and stopped by that pid.
 */
import { open, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { CliError } from "../cli/errors.js";
import type { Component } from "./components.js";
import type { Binaries } from "./deps.js";
import { checkHealth } from "./health.js";
import { logFile, pidFile, type ClusterPaths } from "./home.js";
import {
  processAlive,
  processMarker,
  readPidFile,
  removePidFile,
  spawnDetached,
  stopProcess,
  writePidFile,
  type StopOutcome,
} from "./processes.js";

/** The component's pid when it is running (and is really ours), else undefined. */
export async function runningPid(paths: ClusterPaths, c: Component): Promise<number | undefined> {
  const pid = await readPidFile(pidFile(paths, c.name));
  if (pid === undefined) return undefined;
  return (await processAlive(pid, processMarker(paths.home, c.name))) ? pid : undefined;
}

export async function startComponent(paths: ClusterPaths, c: Component, binaries: Binaries): Promise<number> {
  const { command, args } = c.command(binaries);
  const log = logFile(paths, c.name);
  const pid = await spawnDetached({ command, args, logFile: log, marker: processMarker(paths.home, c.name) });
  await writePidFile(pidFile(paths, c.name), pid);
  return pid;
}

/** Polls the component's health until it answers, it dies, or `deadline` (epoch ms) passes. */
export async function waitHealthy(
  paths: ClusterPaths,
  c: Component,
  pid: number,
  deadline: number,
): Promise<void> {
  const marker = processMarker(paths.home, c.name);
  let last = "";
  for (;;) {
    if (!(await processAlive(pid, marker)))
      throw new CliError(
        `${c.name} exited during start-up; the end of ${logFile(paths, c.name)}:\n${await tailLog(logFile(paths, c.name), 20)}`,
      );
    const health = await checkHealth(c.health, 2000);
    if (health.ok) return;
    last = health.detail;
    if (Date.now() >= deadline)
      throw new CliError(
        `${c.name} was not healthy in time (${last}); the end of ${logFile(paths, c.name)}:\n${await tailLog(logFile(paths, c.name), 20)}`,
      );
    await sleep(200);
  }
}

/** Stops the component by its recorded pid (SIGTERM, SIGKILL after its grace) and removes the pid file. */
export async function stopComponent(
  paths: ClusterPaths,
  c: Component,
): Promise<{ pid?: number; outcome: StopOutcome }> {
  const file = pidFile(paths, c.name);
  const pid = await readPidFile(file);
  if (pid === undefined) return { outcome: "not-running" };
  const outcome = await stopProcess(pid, processMarker(paths.home, c.name), c.graceMs);
  await removePidFile(file);
  return { pid, outcome };
}

/**
 * The last `lines` lines of a log file (all of it when lines < 0), reading
 * backwards only as far as needed.
 */
export async function tailLog(file: string, lines: number): Promise<string> {
  const size = await stat(file).then(
    (s) => s.size,
    () => -1,
  );
  if (size < 0) return `(no log at ${file})\n`;
  const handle = await open(file, "r");
  try {
    let from = size;
    let chunks: Buffer[] = [];
    let newlines = 0;
    // One more newline than lines wanted, as the text usually ends with one.
    while (from > 0 && (lines < 0 || newlines <= lines)) {
      const length = Math.min(64 * 1024, from);
      from -= length;
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, from);
      chunks = [buffer, ...chunks];
      for (const byte of buffer) if (byte === 0x0a) newlines++;
    }
    return lastLines(Buffer.concat(chunks).toString("utf8"), lines);
  } finally {
    await handle.close();
  }
}

/** The last `n` lines of `text` (all when n < 0), ending in a newline when not empty. */
export function lastLines(text: string, n: number): string {
  if (text === "") return "";
  const body = text.endsWith("\n") ? text.slice(0, -1) : text;
  const all = body.split("\n");
  const kept = n < 0 ? all : n === 0 ? [] : all.slice(-n);
  return kept.length > 0 ? kept.join("\n") + "\n" : "";
}
