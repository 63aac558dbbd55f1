import { spawn } from "node:child_process";

/** Runs a command (no shell) and returns its stdout; rejects with its stderr on failure. */
export function run(command: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(" ")}: exit ${code}: ${stderr.trim()}`));
    });
    if (child.stdin) {
      // An early exit closes the pipe; the exit code tells what went wrong.
      child.stdin.on("error", () => undefined);
      child.stdin.end(input);
    }
  });
}
