/**
 * The flags every leader-elected service shares (the scheduler and the
 * controller-manager): where the apiserver is, how to elect, and where
 * /healthz and /metrics listen. Each service adds its own flags on top.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { z } from "zod";

export const ElectedConfigFields = {
  apiserver: z.string().min(1),
  leaderElect: z.boolean(),
  identity: z.string().min(1),
  leaseDurationMs: z.number().positive(),
  renewDeadlineMs: z.number().positive(),
  retryPeriodMs: z.number().positive(),
  bindAddress: z.string().ip(),
  healthPort: z.number().int().min(0).max(65535),
};

/** parseArgs options of the shared flags. */
export const ELECTED_FLAG_OPTIONS = {
  apiserver: { type: "string" },
  "leader-elect": { type: "string" },
  identity: { type: "string" },
  "leader-elect-lease-duration": { type: "string" },
  "leader-elect-renew-deadline": { type: "string" },
  "leader-elect-retry-period": { type: "string" },
  "bind-address": { type: "string" },
  "health-port": { type: "string" },
  help: { type: "boolean" },
} as const;

/** Usage lines of the shared flags. */
export function electedUsage(defaultHealthPort: number): string {
  return `  --apiserver HOST:PORT        the apiserver's gRPC address          [127.0.0.1:8081]
  --leader-elect BOOL          elect one active instance via a Lease [true]
  --identity NAME              this instance's name in the Lease     [hostname_random]
  --leader-elect-lease-duration SECONDS   how long a Lease holds      [15]
  --leader-elect-renew-deadline SECONDS   the leader gives up after   [10]
  --leader-elect-retry-period SECONDS     how often candidates try    [2]
  --bind-address IP            address of /healthz and /metrics      [127.0.0.1]
  --health-port N              port of /healthz and /metrics (0: any) [${defaultHealthPort}]
`;
}

type Pick = (flag: string | undefined, name: string, fallback: string) => string;

/** The shared settings from parsed flags (through `pick`: flag, then environment, then default). */
export function electedSettings(
  values: Readonly<Record<string, string | boolean | undefined>>,
  pick: Pick,
  defaultHealthPort: number,
) {
  const flag = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === "string" ? value : undefined;
  };
  const seconds = (name: string, env: string, fallback: string): number =>
    1000 * Number(pick(flag(name), env, fallback));
  return {
    apiserver: pick(flag("apiserver"), "APISERVER", "127.0.0.1:8081"),
    leaderElect: pick(flag("leader-elect"), "LEADER_ELECT", "true") !== "false",
    identity: pick(flag("identity"), "IDENTITY", `${hostname()}_${randomBytes(4).toString("hex")}`),
    leaseDurationMs: seconds("leader-elect-lease-duration", "LEADER_ELECT_LEASE_DURATION", "15"),
    renewDeadlineMs: seconds("leader-elect-renew-deadline", "LEADER_ELECT_RENEW_DEADLINE", "10"),
    retryPeriodMs: seconds("leader-elect-retry-period", "LEADER_ELECT_RETRY_PERIOD", "2"),
    bindAddress: pick(flag("bind-address"), "BIND_ADDRESS", "127.0.0.1"),
    healthPort: Number(pick(flag("health-port"), "HEALTH_PORT", String(defaultHealthPort))),
  };
}
