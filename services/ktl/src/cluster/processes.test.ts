import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  processAlive,
  readPidFile,
  spawnDetached,
  stopProcess,
  waitForExit,
  writePidFile,
} from "./processes.js";

let dir = "";
const started: number[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ktl-processes-"));
});
afterEach(async () => {
  // Only what these tests started, by pid.
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
    await waitForExit(pid, 5000);
  }
  await rm(dir, { recursive: true, force: true });
});

async function start(script: string, marker: string): Promise<number> {
  const pid = await spawnDetached({ command: "sh", args: ["-c", script], logFile: join(dir, "log"), marker });
  started.push(pid);
  return pid;
}

/** Waits (up to 10 s: the machine may be busy) until the shared log holds `text`. */
async function logSays(text: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await readFile(join(dir, "log"), "utf8").catch(() => "")).includes(text)) return;
    await sleep(20);
  }
  throw new Error(`the log never said ${text}`);
}

describe("detached processes", () => {
  it("run in their own session with output to the log and are known by their marker", async () => {
    const pid = await start("echo hello; exec sleep 30", "/h#one");
    expect(await processAlive(pid, "/h#one")).toBe(true);
    // Another cluster's (or a recycled) pid is not ours.
    expect(await processAlive(pid, "/h#two")).toBe(false);
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    expect(Number(fields[3])).toBe(pid); // session id: its own
    await logSays("hello");
    expect(await readFile(join(dir, "log"), "utf8")).toBe("hello\n");
  });

  it("stop with SIGTERM, or SIGKILL after the grace period", async () => {
    const polite = await start("exec sleep 30", "/h#polite");
    expect(await stopProcess(polite, "/h#polite", 5000)).toBe("stopped");
    expect(await processAlive(polite, "/h#polite")).toBe(false);
    expect(await stopProcess(polite, "/h#polite", 5000)).toBe("not-running");

    const stubborn = await start("trap '' TERM; echo trapped; while :; do sleep 0.1; done", "/h#stubborn");
    await logSays("trapped"); // the shell ignores TERM from here on, however slow the machine
    const t0 = Date.now();
    expect(await stopProcess(stubborn, "/h#stubborn", 300)).toBe("killed");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  });

  it("never signals a process without the marker", async () => {
    const pid = await start("exec sleep 30", "/h#mine");
    expect(await stopProcess(pid, "/h#other", 100)).toBe("not-running");
    expect(await processAlive(pid, "/h#mine")).toBe(true);
  });

  it("fail clearly when the program cannot run", async () => {
    await expect(
      spawnDetached({ command: join(dir, "missing"), args: [], logFile: join(dir, "log"), marker: "x" }),
    ).rejects.toThrow(/cannot run .*missing: spawn .* ENOENT/);
  });
});

describe("pid files", () => {
  it("hold one pid; anything else reads as none", async () => {
    const file = join(dir, "run", "etcd.pid");
    expect(await readPidFile(file)).toBeUndefined();
    await writePidFile(file, 1234);
    expect(await readFile(file, "utf8")).toBe("1234\n");
    expect(await readPidFile(file)).toBe(1234);
    await writePidFile(file, 0);
    expect(await readPidFile(file)).toBeUndefined();
  });
});
