import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";

export interface ChildOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** Where stdout and stderr go; kept after the test for post-mortems. */
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * A child process this harness started and will stop, by its own pid only.
 * Every started child is also stopped when the test process exits, so a failed
 * test never leaves daemons behind.
 */
export class Child {
  readonly process: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(options: ChildOptions) {
    const log = createWriteStream(options.logFile, { flags: "a" });
    this.process = spawn(options.command, options.args, {
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.process.stdout?.pipe(log);
    this.process.stderr?.pipe(log);
    this.exited = new Promise((resolve) => this.process.once("exit", (code) => resolve(code)));
    live.add(this);
    void this.exited.then(() => live.delete(this));
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** SIGTERM, then SIGKILL after graceMs. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.process.kill("SIGTERM");
    const timer = setTimeout(() => this.process.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Stops at once, as a crash would. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.process.kill("SIGKILL");
    await this.exited;
  }

  waitForExit(): Promise<number | null> {
    return this.exited;
  }
}

const live = new Set<Child>();
process.once("exit", () => {
  for (const child of live) child.process.kill("SIGKILL");
});
