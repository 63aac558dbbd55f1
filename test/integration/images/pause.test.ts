/**
 * The pause image's program, run for real as PID 1 of a new PID namespace
 * (unshare + chroot into the image's extracted layer): it stays up, reaps
 * orphans re-parented to it and exits promptly with 0 on SIGTERM and SIGINT.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPauseImage } from "@ktl/oci";
import { Child } from "@ktl/testing";

const isRoot = process.getuid?.() === 0;
let dir: string;
let rootfs: string;
let entrypoint: readonly string[];
const started: Child[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ktl-pause-test-"));
  rootfs = join(dir, "rootfs");
  const image = await buildPauseImage();
  entrypoint = image.config.config?.Entrypoint ?? [];
  const layer = join(dir, "layer.tar.gz");
  await writeFile(layer, image.layers[0]?.data ?? Buffer.alloc(0));
  execFileSync("mkdir", ["-p", rootfs]);
  execFileSync("tar", ["-xzf", layer, "-C", rootfs]);
  // Container runtimes always provide /dev/null (ash opens it for background jobs).
  if (isRoot) execFileSync("mknod", ["-m", "666", join(rootfs, "dev/null"), "c", "1", "3"]);
});

afterAll(async () => {
  for (const child of started) await child.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the entrypoint as PID 1 of a new PID namespace; returns unshare and the host pid of that PID 1. */
async function runPause(name: string): Promise<{ unshare: Child; pid1: number }> {
  const unshare = new Child({
    command: "unshare",
    args: ["--pid", "--fork", "--kill-child", "chroot", rootfs, ...entrypoint],
    logFile: join(dir, `${name}.log`),
  });
  started.push(unshare);
  const deadline = Date.now() + 5000;
  for (;;) {
    const pid1 = await childOf(unshare.pid ?? 0);
    if (pid1 && (await sleepChildOf(pid1))) return { unshare, pid1 };
    if (Date.now() > deadline)
      throw new Error(`pause did not start: ${await readFile(join(dir, `${name}.log`), "utf8")}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function childOf(pid: number): Promise<number | undefined> {
  const children = await readChildren(pid);
  return children[0];
}

async function readChildren(pid: number): Promise<number[]> {
  const out: number[] = [];
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => []);
  for (const task of tasks) {
    const text = await readFile(`/proc/${pid}/task/${task}/children`, "utf8").catch(() => "");
    out.push(...text.split(" ").filter(Boolean).map(Number));
  }
  return out;
}

async function sleepChildOf(pid: number): Promise<boolean> {
  for (const child of await readChildren(pid)) {
    const cmdline = await readFile(`/proc/${child}/cmdline`, "utf8").catch(() => "");
    if (cmdline.startsWith("sleep\0")) return true;
  }
  return false;
}

async function procState(pid: number): Promise<string> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return /^State:\s+(\S)/m.exec(status)?.[1] ?? "gone";
}

describe.skipIf(!isRoot)("the pause image's PID 1", () => {
  it("runs as PID 1, stays up and reaps orphans", async () => {
    const { unshare, pid1 } = await runPause("reap");
    const status = await readFile(`/proc/${pid1}/status`, "utf8");
    expect(/^NSpid:\s+\d+\s+(\d+)$/m.exec(status)?.[1]).toBe("1");

    // An orphan inside the namespace is re-parented to PID 1 and must not stay a zombie.
    // The orphan's output goes to /dev/null so that nothing waits for it to close.
    const script = "/bin/sleep 1 >/dev/null 2>&1 & exit 0";
    execFileSync("nsenter", ["-t", String(pid1), "-p", "-r", "/bin/sh", "-c", script], { stdio: "ignore" });
    const orphans = (await readChildren(pid1)).filter((p) => p);
    expect(orphans.length).toBeGreaterThanOrEqual(2); // the loop's sleep and the orphan
    await new Promise((r) => setTimeout(r, 2000));
    for (const orphan of orphans) expect(["S", "gone"]).toContain(await procState(orphan));
    expect((await readChildren(pid1)).length).toBe(1);
    expect(unshare.running).toBe(true);
    await unshare.kill();
  });

  it.each(["SIGTERM", "SIGINT"] as const)("exits with 0 within a second of %s", async (signal) => {
    const { unshare, pid1 } = await runPause(signal);
    const at = Date.now();
    process.kill(pid1, signal);
    const code = await unshare.waitForExit();
    expect(Date.now() - at).toBeLessThan(1000);
    expect(code).toBe(0);
  });
});
