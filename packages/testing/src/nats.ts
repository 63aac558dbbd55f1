import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Child } from "./process.js";
import { freePort, waitForPort } from "./ports.js";

export interface NatsServer {
  /** e.g. "nats://127.0.0.1:42222" */
  readonly url: string;
  /** The HTTP monitoring endpoint, e.g. "http://127.0.0.1:42223" (/healthz, /varz). */
  readonly monitorUrl: string;
  readonly dataDir: string;
  readonly child: Child;
  /** Stops the server (JetStream data kept), e.g. to test what happens while NATS is down. */
  pause(): Promise<void>;
  /** Starts it again on the same port and data. */
  resume(): Promise<void>;
  /** Stops it and deletes its data directory. */
  stop(): Promise<void>;
}

/**
 * Starts Debian's nats-server with JetStream on free loopback ports and a
 * temporary store directory. The caller must `stop()` it (in afterAll).
 */
export async function startNats(options: { binary?: string } = {}): Promise<NatsServer> {
  const binary = options.binary ?? process.env.KTL_NATS ?? "nats-server";
  const dataDir = await mkdtemp(join(tmpdir(), "ktl-nats-"));
  const port = await freePort();
  const monitorPort = await freePort();
  const args = [
    "-a",
    "127.0.0.1",
    "-p",
    String(port),
    "-m",
    String(monitorPort),
    "-js",
    "-sd",
    join(dataDir, "js"),
  ];
  const start = async (): Promise<Child> => {
    const child = new Child({ command: binary, args, logFile: join(dataDir, "nats.log") });
    child.process.once("error", () => undefined);
    await waitForPort(port, 15_000);
    return child;
  };
  let child = await start();
  const server: NatsServer = {
    url: `nats://127.0.0.1:${port}`,
    monitorUrl: `http://127.0.0.1:${monitorPort}`,
    dataDir,
    get child() {
      return child;
    },
    async pause() {
      await child.stop();
    },
    async resume() {
      child = await start();
    },
    async stop() {
      await child.stop();
      // The store goes with the log; KTL_KEEP_TEST_LOGS=1 keeps both for a post-mortem.
      if (process.env.KTL_KEEP_TEST_LOGS !== "1") await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
