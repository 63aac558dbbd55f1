import { execFile } from "node:child_process";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** Runs a command (no shell) and returns stdout; rejects with stderr in the message. */
export async function sh(command: string, ...args: string[]): Promise<string> {
  try {
    return (await exec(command, args)).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(" ")}: ${e.stderr?.trim() || e.message}`);
  }
}

/** Whether one ping from inside `netns` gets an answer. */
export async function pings(netns: string, address: string): Promise<boolean> {
  return sh("ip", "netns", "exec", netns, "busybox", "ping", "-c", "1", "-W", "1", address).then(
    () => true,
    () => false,
  );
}

export async function ipForward(): Promise<string> {
  return (await sh("cat", "/proc/sys/net/ipv4/ip_forward")).trim();
}

/** Network namespaces and links a test made, removed in reverse order. */
export class NetCleanup {
  private readonly steps: (() => Promise<unknown>)[] = [];

  netns(name: string): string {
    this.steps.push(() => sh("ip", "netns", "delete", name));
    return name;
  }

  link(name: string): string {
    this.steps.push(() => sh("ip", "link", "delete", "dev", name));
    return name;
  }

  async run(): Promise<void> {
    for (const step of this.steps.reverse()) await step().catch(() => undefined);
    this.steps.length = 0;
  }
}

/** Runs every cleanup step even when some fail, then throws the first failure. */
export async function cleanupAll(...steps: (() => Promise<unknown>)[]): Promise<void> {
  let first: unknown;
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}
