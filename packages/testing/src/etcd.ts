import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Child } from "./process.js";
import { freePort, waitForPort } from "./ports.js";

export interface EtcdServer {
  /** e.g. "http://127.0.0.1:23790" */
  readonly endpoint: string;
  readonly dataDir: string;
  readonly child: Child;
  /** Stops etcd (data kept), e.g. to test what happens while it is down. */
  pause(): Promise<void>;
  /** Starts etcd again on the same port and data. */
  resume(): Promise<void>;
  /** Stops etcd and deletes its data directory. */
  stop(): Promise<void>;
}

/**
 * Starts a single-member etcd (Debian's etcd-server) on free loopback ports with
 * a temporary data directory. The caller must `stop()` it (in afterAll).
 */
export async function startEtcd(options: { binary?: string } = {}): Promise<EtcdServer> {
  const binary = options.binary ?? process.env.KTL_ETCD ?? "etcd";
  const dataDir = await mkdtemp(join(tmpdir(), "ktl-etcd-"));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const args = [
    "--name",
    "test",
    "--data-dir",
    join(dataDir, "data"),
    "--listen-client-urls",
    endpoint,
    "--advertise-client-urls",
    endpoint,
    "--listen-peer-urls",
    `http://127.0.0.1:${peerPort}`,
    "--initial-advertise-peer-urls",
    `http://127.0.0.1:${peerPort}`,
    "--initial-cluster",
    `test=http://127.0.0.1:${peerPort}`,
    "--log-level",
    "warn",
    "--logger",
    "zap",
    // Tests write little; a small quota keeps the data dir small.
    "--quota-backend-bytes",
    String(2 * 1024 * 1024 * 1024),
  ];
  const start = async (): Promise<Child> => {
    const child = new Child({ command: binary, args, logFile: join(dataDir, "etcd.log") });
    child.process.once("error", () => undefined);
    await waitForPort(clientPort, 15_000);
    return child;
  };
  let child = await start();
  const server: EtcdServer = {
    endpoint,
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
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
