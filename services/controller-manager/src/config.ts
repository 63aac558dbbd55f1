import { parseArgs } from "node:util";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { configError, flagPicker } from "@ktl/service";

const ConfigSchema = z.object({
  apiserver: z.string().min(1),
  leaderElect: z.boolean(),
  identity: z.string().min(1),
  workers: z.number().int().positive(),
  clusterCidr: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/),
  nodeCidrMaskSize: z.number().int().min(8).max(30),
  controllers: z.array(z.string()),
  leaseDurationMs: z.number().positive(),
  renewDeadlineMs: z.number().positive(),
  retryPeriodMs: z.number().positive(),
  bindAddress: z.string().ip(),
  healthPort: z.number().int().min(0).max(65535),
});

export type ControllerManagerConfig = z.infer<typeof ConfigSchema>;

export const USAGE = `ktl-controller-manager: runs the cluster's controllers against the apiserver.

  --apiserver HOST:PORT        the apiserver's gRPC address          [127.0.0.1:8081]
  --leader-elect BOOL          elect one active instance via a Lease [true]
  --identity NAME              this instance's name in the Lease     [hostname_random]
  --leader-elect-lease-duration SECONDS   how long a Lease holds      [15]
  --leader-elect-renew-deadline SECONDS   the leader gives up after   [10]
  --leader-elect-retry-period SECONDS     how often candidates try    [2]
  --workers N                  workers per controller                [5]
  --cluster-cidr CIDR          pod addresses, split between nodes    [100.64.0.0/16]
  --node-cidr-mask-size N      prefix length of each node's range    [24]
  --controllers LIST           comma-separated controllers to run    [all]
  --bind-address IP            address of /healthz and /metrics      [127.0.0.1]
  --health-port N              port of /healthz and /metrics (0: any) [10257]
`;

/** Flags win over KTL_CONTROLLER_MANAGER_* environment variables, which win over defaults. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ControllerManagerConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      apiserver: { type: "string" },
      "leader-elect": { type: "string" },
      identity: { type: "string" },
      "leader-elect-lease-duration": { type: "string" },
      "leader-elect-renew-deadline": { type: "string" },
      "leader-elect-retry-period": { type: "string" },
      workers: { type: "string" },
      "cluster-cidr": { type: "string" },
      "node-cidr-mask-size": { type: "string" },
      controllers: { type: "string" },
      "bind-address": { type: "string" },
      "health-port": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const pick = flagPicker(env, "KTL_CONTROLLER_MANAGER");
  const result = ConfigSchema.safeParse({
    apiserver: pick(values.apiserver, "APISERVER", "127.0.0.1:8081"),
    leaderElect: pick(values["leader-elect"], "LEADER_ELECT", "true") !== "false",
    identity: pick(values.identity, "IDENTITY", `${hostname()}_${randomBytes(4).toString("hex")}`),
    workers: Number(pick(values.workers, "WORKERS", "5")),
    clusterCidr: pick(values["cluster-cidr"], "CLUSTER_CIDR", "100.64.0.0/16"),
    nodeCidrMaskSize: Number(pick(values["node-cidr-mask-size"], "NODE_CIDR_MASK_SIZE", "24")),
    controllers: pick(values.controllers, "CONTROLLERS", "*").split(",").filter(Boolean),
    leaseDurationMs:
      1000 * Number(pick(values["leader-elect-lease-duration"], "LEADER_ELECT_LEASE_DURATION", "15")),
    renewDeadlineMs:
      1000 * Number(pick(values["leader-elect-renew-deadline"], "LEADER_ELECT_RENEW_DEADLINE", "10")),
    retryPeriodMs: 1000 * Number(pick(values["leader-elect-retry-period"], "LEADER_ELECT_RETRY_PERIOD", "2")),
    bindAddress: pick(values["bind-address"], "BIND_ADDRESS", "127.0.0.1"),
    healthPort: Number(pick(values["health-port"], "HEALTH_PORT", "10257")),
  });
  if (!result.success) {
    throw configError(result.error.issues, USAGE);
  }
  return result.data;
}
