import { readFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Child } from "./process.js";
import { freePort } from "./ports.js";

export interface RegistryServer {
  /** "127.0.0.1:PORT", as image references name it. */
  readonly address: string;
  /** "http://127.0.0.1:PORT" */
  readonly url: string;
  /** Holds config.yml, registry.log and the storage under data/. */
  readonly dataDir: string;
  readonly child: Child;
  /** Stops the registry and deletes its data directory. */
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** Default $KTL_DOCKER_REGISTRY or "docker-registry" (Debian's package, distribution 2.8). */
  readonly binary?: string;
  /** Make the registry send relative Location headers (http.relativeurls). */
  readonly relativeUrls?: boolean;
}

/**
 * Starts a Docker registry (no auth, filesystem storage, deletes allowed) on
 * a free loopback port with a temporary data directory, and waits until
 * `GET /v2/` answers 200. The caller must `stop()` it (in afterAll).
 */
export async function startRegistry(options: RegistryOptions = {}): Promise<RegistryServer> {
  const binary = options.binary ?? process.env.KTL_DOCKER_REGISTRY ?? "docker-registry";
  const dataDir = await mkdtemp(join(tmpdir(), "ktl-registry-"));
  let child: Child | undefined;
  try {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const configFile = join(dataDir, "config.yml");
    await writeFile(
      configFile,
      registryConfig({ address, root: join(dataDir, "data"), relativeUrls: options.relativeUrls }),
    );
    const logFile = join(dataDir, "registry.log");
    child = new Child({ command: binary, args: ["serve", configFile], logFile });
    child.process.once("error", () => undefined);
    const url = `http://${address}`;
    await waitForRegistry({ url, child, logFile, timeoutMs: 15_000 });
    const started = child;
    return {
      address,
      url,
      dataDir,
      child: started,
      async stop() {
        await started.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await child?.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

function registryConfig(options: { address: string; root: string; relativeUrls?: boolean }): string {
  // JSON strings are valid YAML scalars, so paths need no further quoting.
  return `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${JSON.stringify(options.root)}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: ${options.address}
  relativeurls: ${options.relativeUrls ? "true" : "false"}
  headers:
    X-Content-Type-Options: [nosniff]
`;
}

async function waitForRegistry(options: {
  url: string;
  child: Child;
  logFile: string;
  timeoutMs: number;
}): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (!options.child.running) {
      const log = await readFile(options.logFile, "utf8").catch(() => "");
      throw new Error(`docker-registry exited before serving (${last}); log:\n${log.slice(-2000)}`);
    }
    try {
      const response = await fetch(`${options.url}/v2/`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `GET /v2/ answered ${response.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`docker-registry at ${options.url} not ready after ${options.timeoutMs} ms (${last})`);
}
