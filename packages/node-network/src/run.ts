import { spawn } from "node:child_process";

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

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

/** runCommand, returning stdout; rejects with stderr unless the exit code is 0. */
export async function run(command: string, args: readonly string[], input?: string): Promise<string> {
  const result = await runCommand(command, args, input);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(" ")}: exit ${result.code}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}
