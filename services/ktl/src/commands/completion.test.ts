import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";
import { registry } from "./index.js";

/** What `ktl __complete -- WORDS…` offers (no server needed for verbs, flags and values). */
async function complete(...words: string[]): Promise<string[]> {
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  await runCli(
    ["__complete", "--", ...words],
    { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: { KUBECONFIG: "/nonexistent" } },
    registry,
  );
  return out.split("\n").filter(Boolean);
}

describe("ktl __complete", () => {
  it("offers verbs, including exec, and a group's commands", async () => {
    expect(await complete("")).toEqual(expect.arrayContaining(["get", "apply", "exec", "logs"]));
    expect(await complete("rollout", "")).toContain("undo");
  });

  it("offers a command's flags and the values of --dry-run, -o and --cascade", async () => {
    expect(await complete("apply", "--")).toEqual(
      expect.arrayContaining([
        "--dry-run",
        "--dry-run=server",
        "--prune",
        "--prune-allowlist",
        "--namespace",
      ]),
    );
    expect(await complete("get", "--")).toContain("--sort-by");
    expect(await complete("exec", "-")).toEqual(expect.arrayContaining(["--container", "--stdin", "--tty"]));
    expect(await complete("create", "--dry-run=")).toEqual([
      "--dry-run=none",
      "--dry-run=client",
      "--dry-run=server",
    ]);
    // bash splits `--dry-run=cl` at the `=`.
    expect(await complete("delete", "--dry-run", "=", "cl")).toEqual(["none", "client", "server"]);
    expect(await complete("get", "pods", "-o", "")).toContain("yaml");
    expect(await complete("delete", "--cascade", "")).toEqual(["background", "orphan", "foreground"]);
  });
});
