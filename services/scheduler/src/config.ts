import { parseArgs } from "node:util";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { configError, flagPicker } from "@ktl/service";

const ConfigSchema = z.object({
  apiserver: z.string().min(1),
  leaderElect: z.boolean(),
  identity: z.string().min(1),
  schedulerName: z.string().min(1),
  percentageOfNodesToScore: z.number().min(0).max(100),
  maxInFlightBinds: z.number().int().positive(),
  leaseDurationMs: z.number().positive(),
  renewDeadlineMs: z.number().positive(),
  retryPeriodMs: z.number().positive(),
  bindAddress: z.string().ip(),
  healthPort: z.number().int().min(0).max(65535),
});

export type SchedulerConfig = z.infer<typeof ConfigSchema>;

export const USAGE = `ktl-scheduler: binds pending pods to nodes.

  --apiserver HOST:PORT        the apiserver's gRPC address          [127.0.0.1:8081]
  --leader-elect BOOL          elect one active instance via a Lease [true]
  --identity NAME              this instance's name in the Lease     [hostname_random]
  --leader-elect-lease-duration SECONDS   how long a Lease holds      [15]
  --leader-elect-renew-deadline SECONDS   the leader gives up after   [10]
  --leader-elect-retry-period SECONDS     how often candidates try    [2]
  --scheduler-name NAME        pods' spec.schedulerName to serve     [default-scheduler]
  --percentage-of-nodes-to-score N  0: adaptive (50 % → 5 %)         [0]
  --max-in-flight-binds N      concurrent binding calls              [64]
  --bind-address IP            address of /healthz and /metrics      [127.0.0.1]
  --health-port N              port of /healthz and /metrics (0: any) [10259]
`;

/** Flags win over KTL_SCHEDULER_* environment variables, which win over defaults. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): SchedulerConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      apiserver: { type: "string" },
      "leader-elect": { type: "string" },
      identity: { type: "string" },
      "leader-elect-lease-duration": { type: "string" },
      "leader-elect-renew-deadline": { type: "string" },
      "leader-elect-retry-period": { type: "string" },
      "scheduler-name": { type: "string" },
      "percentage-of-nodes-to-score": { type: "string" },
      "max-in-flight-binds": { type: "string" },
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
  const pick = flagPicker(env, "KTL_SCHEDULER");
  const result = ConfigSchema.safeParse({
    apiserver: pick(values.apiserver, "APISERVER", "127.0.0.1:8081"),
    leaderElect: pick(values["leader-elect"], "LEADER_ELECT", "true") !== "false",
    identity: pick(values.identity, "IDENTITY", `${hostname()}_${randomBytes(4).toString("hex")}`),
    schedulerName: pick(values["scheduler-name"], "SCHEDULER_NAME", "default-scheduler"),
    percentageOfNodesToScore: Number(
      pick(values["percentage-of-nodes-to-score"], "PERCENTAGE_OF_NODES_TO_SCORE", "0"),
    ),
    maxInFlightBinds: Number(pick(values["max-in-flight-binds"], "MAX_IN_FLIGHT_BINDS", "64")),
    leaseDurationMs:
      1000 * Number(pick(values["leader-elect-lease-duration"], "LEADER_ELECT_LEASE_DURATION", "15")),
    renewDeadlineMs:
      1000 * Number(pick(values["leader-elect-renew-deadline"], "LEADER_ELECT_RENEW_DEADLINE", "10")),
    retryPeriodMs: 1000 * Number(pick(values["leader-elect-retry-period"], "LEADER_ELECT_RETRY_PERIOD", "2")),
    bindAddress: pick(values["bind-address"], "BIND_ADDRESS", "127.0.0.1"),
    healthPort: Number(pick(values["health-port"], "HEALTH_PORT", "10259")),
  });
  if (!result.success) {
    throw configError(result.error.issues, USAGE);
  }
  return result.data;
}
