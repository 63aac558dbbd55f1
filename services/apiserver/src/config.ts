import { parseArgs } from "node:util";
import { z } from "zod";
import { configError, flagPicker } from "@ktl/service";
import { PortRange, ServiceIPRange } from "./services/ranges.js";

/** Flags win over environment variables (KTL_APISERVER_*), which win over defaults. */
const ConfigSchema = z.object({
  etcdServers: z.array(z.string().url()).min(1),
  etcdPrefix: z.string().regex(/^\/[^/]+$/, "must be one path segment such as /registry"),
  bindAddress: z.string().ip(),
  port: z.number().int().min(0).max(65535),
  grpcPort: z.number().int().min(0).max(65535),
  watchCacheEvents: z.number().int().positive(),
  bookmarkIntervalSeconds: z.number().positive(),
  compactionIntervalSeconds: z.number().positive(),
  serviceClusterIPRange: z.string().superRefine(refineWith((v) => new ServiceIPRange(v))),
  serviceNodePortRange: z.string().superRefine(refineWith((v) => new PortRange(v))),
  serviceRepairIntervalSeconds: z.number().positive(),
  natsServers: z.string(),
  eventsTtlSeconds: z.number().int().positive(),
  eventsMaxBytes: z.number().int().positive(),
});

/** A zod check that a value parses with `parse`, reporting its error message. */
function refineWith(parse: (value: string) => unknown) {
  return (value: string, ctx: z.RefinementCtx): void => {
    try {
      parse(value);
    } catch (err) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
    }
  };
}

export type ApiserverConfig = z.infer<typeof ConfigSchema>;

export const USAGE = `ktl-apiserver: the Kubernetes-compatible API server (REST/JSON and gRPC) over etcd.

  --etcd-servers URLS          comma-separated etcd client URLs   [http://127.0.0.1:2379]
  --etcd-prefix PATH           root of every key                  [/registry]
  --bind-address IP            address to listen on               [127.0.0.1]
  --port N                     REST/JSON port (0: any free port)  [8080]
  --grpc-port N                gRPC port (0: any free port)       [8081]
  --watch-cache-events N       recent events kept per kind        [20000]
  --bookmark-interval-seconds  how often idle watches get a BOOKMARK [60]
  --compaction-interval-seconds  how often etcd history is compacted [300]
  --service-cluster-ip-range CIDR  Service cluster IPs (the first is the kubernetes Service's) [100.96.0.0/16]
  --service-node-port-range RANGE  Service node ports                [30000-32767]
  --service-repair-interval-seconds  how often the ranges are rebuilt from the Services [180]
  --nats-servers URLS          NATS (JetStream) for Events; empty: the events API answers 503 []
  --events-ttl-seconds N       how long Events are kept             [3600]
  --events-max-bytes N         cap on the Events stream's size      [268435456]
`;

export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ApiserverConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      "etcd-servers": { type: "string" },
      "etcd-prefix": { type: "string" },
      "bind-address": { type: "string" },
      port: { type: "string" },
      "grpc-port": { type: "string" },
      "watch-cache-events": { type: "string" },
      "bookmark-interval-seconds": { type: "string" },
      "compaction-interval-seconds": { type: "string" },
      "service-cluster-ip-range": { type: "string" },
      "service-node-port-range": { type: "string" },
      "service-repair-interval-seconds": { type: "string" },
      "nats-servers": { type: "string" },
      "events-ttl-seconds": { type: "string" },
      "events-max-bytes": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const pick = flagPicker(env, "KTL_APISERVER");
  const result = ConfigSchema.safeParse({
    etcdServers: pick(values["etcd-servers"], "ETCD_SERVERS", "http://127.0.0.1:2379")
      .split(",")
      .filter(Boolean),
    etcdPrefix: pick(values["etcd-prefix"], "ETCD_PREFIX", "/registry"),
    bindAddress: pick(values["bind-address"], "BIND_ADDRESS", "127.0.0.1"),
    port: Number(pick(values.port, "PORT", "8080")),
    grpcPort: Number(pick(values["grpc-port"], "GRPC_PORT", "8081")),
    watchCacheEvents: Number(pick(values["watch-cache-events"], "WATCH_CACHE_EVENTS", "20000")),
    bookmarkIntervalSeconds: Number(
      pick(values["bookmark-interval-seconds"], "BOOKMARK_INTERVAL_SECONDS", "60"),
    ),
    compactionIntervalSeconds: Number(
      pick(values["compaction-interval-seconds"], "COMPACTION_INTERVAL_SECONDS", "300"),
    ),
    serviceClusterIPRange: pick(
      values["service-cluster-ip-range"],
      "SERVICE_CLUSTER_IP_RANGE",
      "100.96.0.0/16",
    ),
    serviceNodePortRange: pick(values["service-node-port-range"], "SERVICE_NODE_PORT_RANGE", "30000-32767"),
    serviceRepairIntervalSeconds: Number(
      pick(values["service-repair-interval-seconds"], "SERVICE_REPAIR_INTERVAL_SECONDS", "180"),
    ),
    natsServers: pick(values["nats-servers"], "NATS_SERVERS", ""),
    eventsTtlSeconds: Number(pick(values["events-ttl-seconds"], "EVENTS_TTL_SECONDS", "3600")),
    eventsMaxBytes: Number(pick(values["events-max-bytes"], "EVENTS_MAX_BYTES", String(256 * 1024 * 1024))),
  });
  if (!result.success) {
    throw configError(result.error.issues, USAGE);
  }
  return result.data;
}
