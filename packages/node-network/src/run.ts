import { spawn } from "node:child_process";

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * How node-network runs `ip`, `nft` and friends. Injectable so the same code
 * can act inside a network namespace (netnsRunner) or against a fake in tests.
 * Must never reject on a non-zero exit; `code` tells.
 */
export type Runner = (command: string, args: readonly string[], input?: string) => Promise<RunResult>;

/** Runs a command (no shell), feeding `input` on stdin; never rejects on a non-zero exit. */
export function runCommand(command: string, args: readonly string[], input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
    if (child.stdin) {
      // An early exit closes the pipe; the exit code tells what went wrong.
      child.stdin.on("error", () => undefined);
      child.stdin.end(input);
    }
  });
}

/**
 * A runner acting inside the named network namespace: `ip -n NS ...` for ip
 * (no mount namespace games), `ip netns exec NS ...` for anything else.
 */
export function netnsRunner(netns: string, base: Runner = runCommand): Runner {
  return (command, args, input) =>
    command === "ip"
      ? base("ip", ["-n", netns, ...args], input)
      : base("ip", ["netns", "exec", netns, command, ...args], input);
}

/** Runs through `runner`, returning stdout; rejects with stderr unless the exit code is 0. */
export async function runWith(
  runner: Runner,
  command: string,
  args: readonly string[],
  input?: string,
): Promise<string> {
  const result = await runner(command, args, input);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(" ")}: exit ${result.code}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/** runCommand, returning stdout; rejects with stderr unless the exit code is 0. */
export function run(command: string, args: readonly string[], input?: string): Promise<string> {
  return runWith(runCommand, command, args, input);
}
