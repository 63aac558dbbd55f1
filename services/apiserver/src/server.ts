import type { AddressInfo } from "node:net";
import type { Server as HttpServer } from "node:http";
import * as grpc from "@grpc/grpc-js";
import { Etcd3 } from "etcd3";
import { isAlreadyExists } from "@ktl/apimachinery";
import type { ApiserverConfig } from "./config.js";
import { createGrpcServer } from "./grpc/server.js";
import { NatsEventStore } from "./events/store.js";
import { Bus } from "@ktl/nats";
import type { Logger } from "@ktl/service";
import { ApiserverMetrics } from "./metrics.js";
import { NAMESPACES, SYSTEM_NAMESPACES } from "./registry/namespaces.js";
import { Reads } from "./registry/reads.js";
import { Registry } from "./registry/registry.js";
import { createApp } from "./rest/app.js";
import { execUpgrades } from "./rest/pod-exec.js";
import { ServiceAllocator } from "./services/allocator.js";
import { ensureKubernetesService, startRepairLoop } from "./services/bootstrap.js";
import { PortRange, ServiceIPRange } from "./services/ranges.js";
import { Cacher } from "./storage/cacher.js";
import { startCompactor } from "./storage/compactor.js";
import { KeySpace } from "./storage/keys.js";
import { Store } from "./storage/store.js";

export interface RunningApiserver {
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly registry: Registry;
  readonly reads: Reads;
  stop(): Promise<void>;
}

/** Unary etcd calls give up after this, so a dead etcd is a prompt 503, not a hang. */
const ETCD_CALL_TIMEOUT_MS = 5000;

/** Wires storage, registry and both front doors, and starts listening. */
export async function startApiserver(config: ApiserverConfig, log: Logger): Promise<RunningApiserver> {
  const etcd = new Etcd3({
    hosts: config.etcdServers,
    dialTimeout: 2000,
    // Pages of large objects exceed grpc's 4 MiB default; etcd itself caps requests.
    grpcOptions: { "grpc.max_receive_message_length": 512 * 1024 * 1024 },
    defaultCallOptions: (context) =>
      context.isStream ? {} : { deadline: Date.now() + ETCD_CALL_TIMEOUT_MS },
  });
  const store = new Store(etcd, new KeySpace(config.etcdPrefix));
  const cacher = new Cacher({
    store,
    log,
    eventsPerKind: config.watchCacheEvents,
    bookmarkIntervalMs: config.bookmarkIntervalSeconds * 1000,
  });
  const serviceRanges = {
    ips: new ServiceIPRange(config.serviceClusterIPRange),
    ports: new PortRange(config.serviceNodePortRange),
  };
  const services = new ServiceAllocator({ store, ranges: serviceRanges, log });
  const registry = new Registry(store, cacher, new Map([["Service", services]]));
  const reads = new Reads(store, cacher);
  const metrics = new ApiserverMetrics(cacher);

  // Events live in NATS JetStream, never in etcd; without NATS their API answers 503.
  const bus = config.natsServers
    ? Bus.connect({ servers: config.natsServers, name: "apiserver", log })
    : undefined;
  const events = bus
    ? new NatsEventStore(bus, log, {
        maxAgeMs: config.eventsTtlSeconds * 1000,
        maxBytes: config.eventsMaxBytes,
      })
    : undefined;

  let httpPort = config.port;
  const app = createApp({
    events,
    registry,
    reads,
    cacher,
    metrics,
    log,
    bus,
    advertiseAddress: () => `${config.bindAddress}:${httpPort}`,
  });
  const http: HttpServer = await new Promise((resolve, reject) => {
    const server = app.listen(config.port, config.bindAddress, () => resolve(server));
    server.once("error", reject);
  });
  // Watches are long-lived; Node's default request timeouts would cut them.
  http.requestTimeout = 0;
  http.headersTimeout = 60_000;
  http.keepAliveTimeout = 65_000;
  httpPort = (http.address() as AddressInfo).port;
  // pods/exec is a WebSocket upgrade, which Express never sees.
  const exec = execUpgrades({ reads, bus, log });
  http.on("upgrade", exec.handle);

  const grpcServer = createGrpcServer({ registry, reads, log });
  const grpcPort = await new Promise<number>((resolve, reject) => {
    grpcServer.bindAsync(
      `${config.bindAddress}:${config.grpcPort}`,
      grpc.ServerCredentials.createInsecure(),
      (err, port) => (err ? reject(err) : resolve(port)),
    );
  });

  // The cache and the system namespaces come up in the background, retrying
  // until etcd answers; /readyz says when they are there.
  const background = new AbortController();
  void cacher
    .start()
    .then(() => ensureSystemNamespaces(registry, log))
    .then(() =>
      ensureKubernetesService({
        registry,
        clusterIP: serviceRanges.ips.firstIP,
        targetPort: httpPort,
        log,
        signal: background.signal,
      }),
    );
  const stopCompactor = startCompactor(etcd, log, config.compactionIntervalSeconds * 1000);
  const stopRepair = startRepairLoop(services, config.serviceRepairIntervalSeconds * 1000, log);

  return {
    httpPort,
    grpcPort,
    registry,
    reads,
    async stop() {
      background.abort();
      stopRepair();
      stopCompactor();
      await cacher.stop();
      grpcServer.forceShutdown();
      exec.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      etcd.close();
      await bus?.close();
    },
  };
}

async function ensureSystemNamespaces(registry: Registry, log: Logger): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
      try {
        await registry.create(NAMESPACES, undefined, { metadata: { name } });
        log.info("created system namespace", { name });
        break;
      } catch (err) {
        if (isAlreadyExists(err)) break;
        log.warn("could not create system namespace, retrying", { name, error: String(err) });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
