import { parseArgs } from "node:util";
import { z } from "zod";
import { ELECTED_FLAG_OPTIONS, ElectedConfigFields, electedSettings, electedUsage } from "@ktl/controller";
import { configError, flagPicker } from "@ktl/service";

const HEALTH_PORT = 10257;

const ConfigSchema = z.object({
  ...ElectedConfigFields,
  workers: z.number().int().positive(),
  clusterCidr: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/),
  nodeCidrMaskSize: z.number().int().min(8).max(30),
  controllers: z.array(z.string()),
  /** NATS URLs, comma-separated; empty: no bus (the node lifecycle controller then does nothing). */
  natsServers: z.string(),
  nodeMonitorGracePeriodMs: z.number().int().positive(),
  nodeMonitorPeriodMs: z.number().int().positive(),
  defaultUnreachableTolerationSeconds: z.number().int().min(0),
  nodeEvictionRate: z.number().min(0),
  secondaryNodeEvictionRate: z.number().min(0),
  largeClusterSizeThreshold: z.number().int().min(0),
  unhealthyZoneThreshold: z.number().gt(0).max(1),
});

export type ControllerManagerConfig = z.infer<typeof ConfigSchema>;

export const USAGE = `ktl-controller-manager: runs the cluster's controllers against the apiserver.

${electedUsage(HEALTH_PORT)}  --workers N                  workers per controller                [5]
  --cluster-cidr CIDR          pod addresses, split between nodes    [100.64.0.0/16]
  --node-cidr-mask-size N      prefix length of each node's range    [24]
  --controllers LIST           comma-separated controllers to run    [all]
  --nats-servers URL,...       NATS: node heartbeats (node.heartbeat.*) for the node lifecycle
                               controller, which does nothing without it [none]
  --node-monitor-grace-period SECONDS   a node silent this long is Unknown and tainted [40]
  --node-monitor-period SECONDS         how often nodes are checked (at most grace/4) [5]
  --default-unreachable-toleration-seconds N   pods without their own toleration of
                               node.kubernetes.io/unreachable are evicted after N s [300]
  --node-eviction-rate QPS     unreachable taints per second in a healthy zone [0.1]
  --secondary-node-eviction-rate QPS   the same in a partially disrupted zone [0.01]
  --large-cluster-size-threshold N     smaller partially disrupted zones stop tainting [50]
  --unhealthy-zone-threshold SHARE     not-ready share (of more than 2 nodes) that makes
                               a zone partially disrupted [0.55]
`;

/** Flags win over KTL_CONTROLLER_MANAGER_* environment variables, which win over defaults. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ControllerManagerConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...ELECTED_FLAG_OPTIONS,
      workers: { type: "string" },
      "cluster-cidr": { type: "string" },
      "node-cidr-mask-size": { type: "string" },
      controllers: { type: "string" },
      "nats-servers": { type: "string" },
      "node-monitor-grace-period": { type: "string" },
      "node-monitor-period": { type: "string" },
      "default-unreachable-toleration-seconds": { type: "string" },
      "node-eviction-rate": { type: "string" },
      "secondary-node-eviction-rate": { type: "string" },
      "large-cluster-size-threshold": { type: "string" },
      "unhealthy-zone-threshold": { type: "string" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const pick = flagPicker(env, "KTL_CONTROLLER_MANAGER");
  const result = ConfigSchema.safeParse({
    ...electedSettings(values, pick, HEALTH_PORT),
    workers: Number(pick(values.workers, "WORKERS", "5")),
    clusterCidr: pick(values["cluster-cidr"], "CLUSTER_CIDR", "100.64.0.0/16"),
    nodeCidrMaskSize: Number(pick(values["node-cidr-mask-size"], "NODE_CIDR_MASK_SIZE", "24")),
    controllers: pick(values.controllers, "CONTROLLERS", "*").split(",").filter(Boolean),
    natsServers: pick(values["nats-servers"], "NATS_SERVERS", ""),
    nodeMonitorGracePeriodMs: seconds(
      pick(values["node-monitor-grace-period"], "NODE_MONITOR_GRACE_PERIOD", "40"),
    ),
    nodeMonitorPeriodMs: seconds(pick(values["node-monitor-period"], "NODE_MONITOR_PERIOD", "5")),
    defaultUnreachableTolerationSeconds: Number(
      pick(values["default-unreachable-toleration-seconds"], "DEFAULT_UNREACHABLE_TOLERATION_SECONDS", "300"),
    ),
    nodeEvictionRate: Number(pick(values["node-eviction-rate"], "NODE_EVICTION_RATE", "0.1")),
    secondaryNodeEvictionRate: Number(
      pick(values["secondary-node-eviction-rate"], "SECONDARY_NODE_EVICTION_RATE", "0.01"),
    ),
    largeClusterSizeThreshold: Number(
      pick(values["large-cluster-size-threshold"], "LARGE_CLUSTER_SIZE_THRESHOLD", "50"),
    ),
    unhealthyZoneThreshold: Number(
      pick(values["unhealthy-zone-threshold"], "UNHEALTHY_ZONE_THRESHOLD", "0.55"),
    ),
  });
  if (!result.success) throw configError(result.error.issues, USAGE);
  return result.data;
}

/** "40", "40s" or "1.5" seconds → ms (NaN for anything else, which validation refuses). */
function seconds(text: string): number {
  const m = /^(\d+(?:\.\d+)?)s?$/.exec(text.trim());
  return m ? Math.round(Number(m[1]) * 1000) : NaN;
}
