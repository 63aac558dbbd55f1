/** Runs the built ktl against one apiserver, with its own kubeconfig and an empty HOME. */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "@ktl/testing";
import { writeKubeconfig, type KubectlResult } from "../../e2e/kubectl-runner.js";

const KTL_MAIN = join(REPO_ROOT, "services/ktl/dist/main.js");

export class KtlRunner {
  private constructor(
    private readonly dir: string,
    private readonly kubeconfig: string,
  ) {}

  static async create(server: string): Promise<KtlRunner> {
    const dir = await mkdtemp(join(tmpdir(), "ktl-it-"));
    const kubeconfig = join(dir, "kubeconfig");
    await writeKubeconfig(kubeconfig, server);
    return new KtlRunner(dir, kubeconfig);
  }

  /** A file in the runner's own temp dir. */
  path(name: string): string {
    return join(this.dir, name);
  }

  run(args: readonly string[], input?: string): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        [KTL_MAIN, "--kubeconfig", this.kubeconfig, ...args],
        { env: { PATH: process.env.PATH, HOME: this.dir, LANG: "C" }, timeout: 30_000 },
        (err, stdout, stderr) => {
          const failure = err as (Error & { code?: number | string }) | null;
          const code = !failure ? 0 : typeof failure.code === "number" ? failure.code : -1;
          resolve({ code, stdout, stderr });
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  async ok(args: readonly string[], input?: string): Promise<string> {
    const result = await this.run(args, input);
    if (result.code !== 0)
      throw new Error(`ktl ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
