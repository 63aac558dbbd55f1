import { parseArgs } from "node:util";
import { z } from "zod";
import { ELECTED_FLAG_OPTIONS, ElectedConfigFields, electedSettings, electedUsage } from "@ktl/controller";
import { configError, flagPicker } from "@ktl/service";

const HEALTH_PORT = 10259;

const ConfigSchema = z.object({
  ...ElectedConfigFields,
  schedulerName: z.string().min(1),
  percentageOfNodesToScore: z.number().min(0).max(100),
  maxInFlightBinds: z.number().int().positive(),
  natsServers: z.string(),
});

export type SchedulerConfig = z.infer<typeof ConfigSchema>;

export const USAGE = `ktl-scheduler: binds pending pods to nodes.

${electedUsage(HEALTH_PORT)}  --scheduler-name NAME        pods' spec.schedulerName to serve     [default-scheduler]
  --percentage-of-nodes-to-score N  0: adaptive (50 % → 5 %)         [0]
  --max-in-flight-binds N      concurrent binding calls              [64]
  --nats-servers URLS          NATS for Events; empty: no events      []
`;

/** Flags win over KTL_SCHEDULER_* environment variables, which win over defaults. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): SchedulerConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...ELECTED_FLAG_OPTIONS,
      "scheduler-name": { type: "string" },
      "percentage-of-nodes-to-score": { type: "string" },
      "max-in-flight-binds": { type: "string" },
      "nats-servers": { type: "string" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const pick = flagPicker(env, "KTL_SCHEDULER");
  const result = ConfigSchema.safeParse({
    ...electedSettings(values, pick, HEALTH_PORT),
    schedulerName: pick(values["scheduler-name"], "SCHEDULER_NAME", "default-scheduler"),
    percentageOfNodesToScore: Number(
      pick(values["percentage-of-nodes-to-score"], "PERCENTAGE_OF_NODES_TO_SCORE", "0"),
    ),
    maxInFlightBinds: Number(pick(values["max-in-flight-binds"], "MAX_IN_FLIGHT_BINDS", "64")),
    natsServers: pick(values["nats-servers"], "NATS_SERVERS", ""),
  });
  if (!result.success) throw configError(result.error.issues, USAGE);
  return result.data;
}
