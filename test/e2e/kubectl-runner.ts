import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Writes a kubeconfig with one context pointing at `server`, no credentials. */
export async function writeKubeconfig(path: string, server: string): Promise<void> {
  await writeFile(
    path,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: ktl",
      "  cluster:",
      `    server: ${server}`,
      "users:",
      "- name: anonymous",
      "  user: {}",
      "contexts:",
      "- name: ktl",
      "  context:",
      "    cluster: ktl",
      "    user: anonymous",
      "current-context: ktl",
      "",
    ].join("\n"),
  );
}

/**
 * Runs a real kubectl binary against a server URL with its own kubeconfig and
 * an empty HOME (so its discovery cache starts fresh).
 */
export class KubectlRunner {
  private constructor(
    readonly binary: string,
    private readonly dir: string,
  ) {}

  static async create(server: string, binary = "kubectl"): Promise<KubectlRunner> {
    const dir = await mkdtemp(join(tmpdir(), "ktl-kubectl-"));
    await writeKubeconfig(join(dir, "kubeconfig"), server);
    return new KubectlRunner(binary, dir);
  }

  run(args: readonly string[], timeoutMs = 60_000): Promise<KubectlResult> {
    return new Promise((resolve) => {
      execFile(
        this.binary,
        ["--kubeconfig", join(this.dir, "kubeconfig"), ...args],
        { env: { ...process.env, HOME: this.dir }, timeout: timeoutMs },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  /** Runs and fails with kubectl's output when the exit code is not 0. */
  async ok(args: readonly string[], timeoutMs?: number): Promise<string> {
    const result = await this.run(args, timeoutMs);
    if (result.code !== 0) {
      throw new Error(`kubectl ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
    }
    return result.stdout;
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
