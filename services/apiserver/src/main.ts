#!/usr/bin/env node
import { loadConfig } from "./config.js";
import { jsonLogger, onShutdown } from "@ktl/service";
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
  onShutdown(log, () => server.stop());
}

process.on("unhandledRejection", (err) => log.error("unhandled rejection", { error: String(err) }));
main().catch((err: unknown) => {
  log.error("failed to start", { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
