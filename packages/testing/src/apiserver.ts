import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Child } from "./process.js";

/** The repository root (this file is packages/testing/{src,dist}/apiserver.*). */
export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");

export interface ApiserverProcess {
  /** e.g. "http://127.0.0.1:34567" */
  readonly url: string;
  /** e.g. "127.0.0.1:34568" */
  readonly grpcAddress: string;
  readonly child: Child;
  readonly logFile: string;
  stop(): Promise<void>;
}

/**
 * Starts the built apiserver (services/apiserver/dist/main.js) against an etcd
 * on free ports and waits until it is ready (watch cache loaded, system
 * namespaces created).
 */
export async function startApiserver(options: {
  etcd: string;
  args?: readonly string[];
}): Promise<ApiserverProcess> {
  const dir = await mkdtemp(join(tmpdir(), "ktl-apiserver-"));
  const logFile = join(dir, "apiserver.log");
  const main = join(REPO_ROOT, "services/apiserver/dist/main.js");
  const child = new Child({
    command: process.execPath,
    args: [main, "--etcd-servers", options.etcd, "--port", "0", "--grpc-port", "0", ...(options.args ?? [])],
    logFile,
  });
  const ports = await new Promise<{ http: string; grpc: string }>((resolvePorts, reject) => {
    let buffered = "";
    const timer = setTimeout(
      () => reject(new Error(`apiserver did not start in 20 s; see ${logFile}`)),
      20_000,
    );
    child.process.stderr?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      for (const line of buffered.split("\n")) {
        if (!line.includes('"listening"')) continue;
        const parsed = JSON.parse(line) as { http: string; grpc: string };
        clearTimeout(timer);
        resolvePorts(parsed);
        return;
      }
    });
    child.process.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`apiserver exited with ${code}; see ${logFile}`));
    });
  });
  await waitUntilReady(ports.http);
  return {
    url: ports.http,
    grpcAddress: ports.grpc,
    child,
    logFile,
    stop: async () => {
      await child.stop();
      await removeLogs(dir);
    },
  };
}

/**
 * Log directories go with the process that wrote them, unless
 * KTL_KEEP_TEST_LOGS=1 asks to keep them for a post-mortem.
 */
export async function removeLogs(dir: string): Promise<void> {
  if (process.env.KTL_KEEP_TEST_LOGS === "1") return;
  await rm(dir, { recursive: true, force: true });
}

/** Polls /readyz and the default namespace until the apiserver can serve. */
export async function waitUntilReady(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const ready = await fetch(`${url}/readyz`);
      const ns = await fetch(`${url}/api/v1/namespaces/kube-system`);
      if (ready.ok && ns.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`apiserver at ${url} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
