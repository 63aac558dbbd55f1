#!/usr/bin/env node
import { loadConfig } from "./config.js";
import { jsonLogger } from "./log.js";
import { startApiserver } from "./server.js";

const log = jsonLogger("apiserver");

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env);
  const server = await startApiserver(config, log);
  log.info("listening", {
    http: `http://${config.bindAddress}:${server.httpPort}`,
    grpc: `${config.bindAddress}:${server.grpcPort}`,
    etcd: config.etcdServers,
  });
  if (config.bindAddress === "127.0.0.1" || config.bindAddress === "::1") {
    log.info(
      "bound to loopback only: there is no authentication yet, so the API is not exposed to the network",
    );
  } else {
    log.warn(
      "listening beyond loopback without authentication: anyone who can reach this port controls the cluster",
    );
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error("shutdown failed", { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

process.on("unhandledRejection", (err) => log.error("unhandled rejection", { error: String(err) }));
main().catch((err: unknown) => {
  log.error("failed to start", { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
