/**
 * The README's tour, line by line, so it cannot rot: a real local cluster
 * (`ktl cluster up --nodes 3`, under a temporary KTL_HOME with offset ports),
 * then the block marked `<!-- tour -->` in README.md run by bash — first with
 * the real kubectl in place of ktl (all but the `ktl cluster` lines), then
 * exactly as written with `ktl` on PATH, ending with `ktl cluster down`.
 * Every line must succeed; a few lines' output is checked too. Needs root
 * (containerd, bridges, cgroups).
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "@ktl/testing";
import { freePortOffset, runProgram, type Result } from "./local-cluster.js";

const KTL_MAIN = join(REPO_ROOT, "services/ktl/dist/main.js");
const PREFIX = `readme${randomBytes(2).toString("hex")}`;
/** Inside the default pod range, away from the other tests' ranges. */
const CLUSTER_CIDR = "100.64.128.0/19";

let tmp = "";
let home = "";
let bin = "";

function run(command: string, args: readonly string[], timeoutMs: number): Promise<Result> {
  return runProgram(command, args, {
    cwd: REPO_ROOT,
    env: { KTL_HOME: home, HOME: tmp, KUBECONFIG: "", PATH: `${bin}:${process.env.PATH ?? ""}` },
    timeoutMs,
  });
}

/** The lines of README.md's tour block. */
async function tourLines(): Promise<string[]> {
  const readme = await readFile(join(REPO_ROOT, "README.md"), "utf8");
  const start = readme.indexOf("<!-- tour -->");
  if (start < 0) throw new Error("README.md has no <!-- tour --> block");
  const open = readme.indexOf("```sh\n", start);
  const close = readme.indexOf("\n```", open + 6);
  return readme
    .slice(open + 6, close)
    .split("\n")
    .filter((line) => line.trim() !== "");
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "ktl-readme-"));
  home = join(tmp, "home");
  bin = join(tmp, "bin");
  await mkdir(bin);
  await writeFile(join(bin, "ktl"), `#!/bin/sh\nexec "${process.execPath}" "${KTL_MAIN}" "$@"\n`);
  await chmod(join(bin, "ktl"), 0o755);
  const offset = await freePortOffset({ from: 23_000, step: 700, nodes: 3 });
  const up = await run(
    "ktl",
    [
      "cluster",
      "up",
      "--nodes",
      "3",
      "--port-offset",
      String(offset),
      "--node-prefix",
      PREFIX,
      "--cluster-cidr",
      CLUSTER_CIDR,
    ],
    180_000,
  );
  if (up.code !== 0) throw new Error(`ktl cluster up failed:\n${up.stdout}\n${up.stderr}`);
}, 200_000);

afterAll(async () => {
  if (home && existsSync(join(home, "state.json"))) await run("ktl", ["cluster", "down", "--purge"], 120_000);
  if (tmp) await rm(tmp, { recursive: true, force: true });
}, 150_000);

/** Runs each line with bash; returns the outputs, throwing at the first failure. */
async function runLines(lines: readonly string[]): Promise<string[]> {
  const outputs: string[] = [];
  for (const line of lines) {
    const r = await run("bash", ["-c", line], 120_000);
    if (r.code !== 0) {
      // What the cluster looked like, for the post-mortem.
      const pods = await run("ktl", ["-n", "demo", "get", "pods,rs,ep", "-o", "yaml"], 30_000);
      throw new Error(
        `README line failed (exit ${r.code}): ${line}\n${r.stdout}\n${r.stderr}\n--- demo:\n${pods.stdout}`,
      );
    }
    outputs.push(r.stdout);
  }
  return outputs;
}

describe("the README tour", () => {
  it("works with the real kubectl in place of ktl", async () => {
    const kubectl = `kubectl --kubeconfig ${join(home, "kubeconfig")} `;
    const lines = (await tourLines())
      .filter((l) => !l.startsWith("ktl cluster"))
      .map((l) => l.replace(/\bktl /g, kubectl));
    const outputs = await runLines(lines);
    const outputOf = (part: string): string => outputs[lines.findIndex((l) => l.includes(part))] ?? "";
    expect(outputOf("rollout status")).toContain('deployment "web" successfully rolled out');
    expect(outputOf("status.podIP")).toMatch(/^hello from web-/);
    expect(outputOf("nodePort")).toMatch(/^hello from web-/);
    expect(outputOf(" exec deploy/web")).toMatch(/^hello from web-/);
  }, 400_000);

  it("runs every line, as written, with ktl", async () => {
    const lines = await tourLines();
    expect(lines.length).toBeGreaterThan(5);
    const outputs = await runLines(lines);
    const outputOf = (start: string): string => outputs[lines.findIndex((l) => l.startsWith(start))] ?? "";
    expect(outputOf("curl http://$(ktl")).toMatch(/^hello from web-[a-z0-9]+-[a-z0-9]+\n$/);
    expect(outputOf("curl http://127.0.1.1")).toMatch(/^hello from web-/);
    expect(outputOf("ktl -n demo exec")).toMatch(/^hello from web-[a-z0-9]+-[a-z0-9]+\n$/);
    expect(outputOf("ktl -n demo rollout status")).toContain('deployment "web" successfully rolled out');
    expect(outputOf("ktl cluster status")).toMatch(new RegExp(`kubelet-${PREFIX}-1\\s+\\d+\\s+running`));
    expect(outputOf("ktl cluster down")).toContain("stopped etcd");
  }, 400_000);
});
