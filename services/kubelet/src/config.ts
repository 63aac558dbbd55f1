import { availableParallelism, hostname, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import type { Taint } from "@ktl/api";
import { configError, flagPicker } from "@ktl/service";

const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;
const CIDR = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
/** RFC 1123 subdomain: what a Node name may be. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const Backoff = z
  .object({ initialMs: z.number().int().positive(), maxMs: z.number().int().positive() })
  .refine((b) => b.maxMs >= b.initialMs, { message: "the maximum must not be below the initial back-off" });

const ConfigSchema = z
  .object({
    apiserver: z.string().min(1),
    nodeName: z.string().max(253).regex(DNS_SUBDOMAIN, "must be a lowercase RFC 1123 subdomain"),
    nodeIp: z.string().ip(),
    port: z.number().int().min(0).max(65535),
    runtime: z.enum(["cri", "fake"]),
    containerRuntimeEndpoint: z.string().min(1),
    rootDir: z.string().min(1),
    podsDir: z.string().min(1),
    podLogsDir: z.string().min(1),
    cniConfDir: z.string().min(1),
    cgroupRoot: z.string().startsWith("/"),
    maxPods: z.number().int().positive(),
    cpu: z.number().int().positive(),
    memoryBytes: z.number().int().positive(),
    nodeLabels: z.record(z.string()),
    registerWithTaints: z.array(
      z.object({ key: z.string().min(1), value: z.string().optional(), effect: z.enum(TAINT_EFFECTS) }),
    ),
    nodeStatusReportMs: z.number().int().positive(),
    nodeStatusUpdateMs: z.number().int().positive(),
    crashLoopBackOff: Backoff,
    imagePullBackOff: Backoff,
    fakeStartDelayMs: z.number().int().min(0),
    hollowNodes: z.number().int().min(0).max(100_000),
    podRange: z.string().regex(CIDR, "must be an IPv4 CIDR"),
    serviceRange: z.string().regex(CIDR, "must be an IPv4 CIDR"),
    /** NATS URLs, comma-separated; empty: no bus (status heartbeats go through the apiserver). */
    natsServers: z.string(),
    heartbeatMs: z.number().int().positive(),
    podRoutes: z.enum(["host-gw", "none"]),
    nodeInterface: z
      .string()
      .regex(/^[\w.-]{1,15}$/, "must be an interface name")
      .optional(),
  })
  .refine((c) => c.hollowNodes === 0 || c.runtime === "fake", {
    message: "hollow nodes need --runtime fake",
    path: ["hollowNodes"],
  })
  .refine((c) => c.podRoutes === "none" || c.runtime === "cri", {
    message: "pod routes need --runtime cri",
    path: ["podRoutes"],
  });

export type KubeletConfig = z.infer<typeof ConfigSchema>;

export const USAGE = `ktl-kubelet: registers its Node and runs the pods bound to it.

  --apiserver HOST:PORT        the apiserver's gRPC address           [127.0.0.1:8081]
  --node-name NAME             the Node's name                        [hostname]
  --node-ip IP                 InternalIP; the HTTP server binds here [127.0.0.1]
  --port N                     logs, /healthz, /metrics (0: any free) [10250]
  --runtime cri|fake           containerd over CRI, or in memory      [cri]
  --container-runtime-endpoint PATH  the CRI socket          [/run/containerd/containerd.sock]
  --root-dir DIR               the node's data; pods in DIR/pods      [/var/lib/ktl/kubelet/NAME]
  --pod-logs-dir DIR           container logs                         [ROOT/logs]
  --cni-conf-dir DIR           where the CNI configuration goes       [ROOT/cni/net.d]
  --cgroup-root PATH           parent cgroup of the node's pods       [/ktl/NAME]
  --max-pods N                 capacity "pods"                        [110]
  --cpu N                      capacity "cpu"                         [available CPUs]
  --memory QUANTITY            capacity "memory", e.g. 8Gi            [total memory]
  --node-labels K=V,...        extra labels of the Node               []
  --register-with-taints K=V:EFFECT,...  taints of a newly created Node []
  --node-status-report-seconds N   heartbeat when nothing changed    [60]
  --node-status-update-seconds N   how often to look for changes     [10]
  --crash-loop-backoff-initial-seconds N / --crash-loop-backoff-max-seconds N  [10 / 300]
  --image-pull-backoff-initial-seconds N / --image-pull-backoff-max-seconds N  [10 / 300]
  --fake-start-delay-ms N      fake runtime: time a container takes to start [0]
  --hollow-nodes N             fake runtime: run N nodes NAME-0..NAME-(N-1) in this process,
                               each with its own HTTP port (PORT+i, or any free with --port 0) [0]
  --pod-range CIDR             the cluster's pod range (host safety)  [100.64.0.0/16]
  --service-range CIDR         the cluster's service range            [100.96.0.0/16]
  --nats-servers URL,...       NATS: heartbeats go on node.heartbeat.NODE and the Node status
                               is written only when it changes (empty: no NATS) []
  --heartbeat-seconds N        NATS heartbeat interval                [5]
  --pod-routes host-gw|none    routes to other machines' pod CIDRs via their InternalIPs [none]
  --node-interface IFACE       towards the other machines: the host guard forwards
                               pod-to-pod traffic through it          []

Every flag can also be set as KTL_KUBELET_<FLAG> (e.g. KTL_KUBELET_NODE_NAME); flags win.
`;

const FLAGS = {
  apiserver: { type: "string" },
  "node-name": { type: "string" },
  "node-ip": { type: "string" },
  port: { type: "string" },
  runtime: { type: "string" },
  "container-runtime-endpoint": { type: "string" },
  "root-dir": { type: "string" },
  "pod-logs-dir": { type: "string" },
  "cni-conf-dir": { type: "string" },
  "cgroup-root": { type: "string" },
  "max-pods": { type: "string" },
  cpu: { type: "string" },
  memory: { type: "string" },
  "node-labels": { type: "string" },
  "register-with-taints": { type: "string" },
  "node-status-report-seconds": { type: "string" },
  "node-status-update-seconds": { type: "string" },
  "crash-loop-backoff-initial-seconds": { type: "string" },
  "crash-loop-backoff-max-seconds": { type: "string" },
  "image-pull-backoff-initial-seconds": { type: "string" },
  "image-pull-backoff-max-seconds": { type: "string" },
  "fake-start-delay-ms": { type: "string" },
  "hollow-nodes": { type: "string" },
  "pod-range": { type: "string" },
  "service-range": { type: "string" },
  "nats-servers": { type: "string" },
  "heartbeat-seconds": { type: "string" },
  "pod-routes": { type: "string" },
  "node-interface": { type: "string" },
  help: { type: "boolean" },
} as const;

/** Flags win over KTL_KUBELET_* environment variables, which win over defaults. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): KubeletConfig {
  const { values } = parseArgs({ args: [...argv], options: FLAGS, strict: true });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const pick = flagPicker(env, "KTL_KUBELET");
  const num = (flag: string | undefined, name: string, fallback: string): number =>
    Number(pick(flag, name, fallback));
  const nodeName = pick(values["node-name"], "NODE_NAME", hostname().toLowerCase());
  const rootDir = pick(values["root-dir"], "ROOT_DIR", join("/var/lib/ktl/kubelet", nodeName));
  const problems: { path: string[]; message: string }[] = [];
  const parsed = <T>(path: string, parse: () => T, fallback: T): T => {
    try {
      return parse();
    } catch (err) {
      problems.push({ path: [path], message: (err as Error).message });
      return fallback;
    }
  };
  const result = ConfigSchema.safeParse({
    apiserver: pick(values.apiserver, "APISERVER", "127.0.0.1:8081"),
    nodeName,
    nodeIp: pick(values["node-ip"], "NODE_IP", "127.0.0.1"),
    port: num(values.port, "PORT", "10250"),
    runtime: pick(values.runtime, "RUNTIME", "cri"),
    containerRuntimeEndpoint: pick(
      values["container-runtime-endpoint"],
      "CONTAINER_RUNTIME_ENDPOINT",
      "/run/containerd/containerd.sock",
    ),
    rootDir,
    podsDir: join(rootDir, "pods"),
    podLogsDir: pick(values["pod-logs-dir"], "POD_LOGS_DIR", join(rootDir, "logs")),
    cniConfDir: pick(values["cni-conf-dir"], "CNI_CONF_DIR", join(rootDir, "cni", "net.d")),
    cgroupRoot: pick(values["cgroup-root"], "CGROUP_ROOT", `/ktl/${nodeName}`),
    maxPods: num(values["max-pods"], "MAX_PODS", "110"),
    cpu: num(values.cpu, "CPU", String(availableParallelism())),
    memoryBytes: parsed(
      "memoryBytes",
      () => parseBytes(pick(values.memory, "MEMORY", String(totalmem()))),
      0,
    ),
    nodeLabels: parsed("nodeLabels", () => parseLabels(pick(values["node-labels"], "NODE_LABELS", "")), {}),
    registerWithTaints: parsed(
      "registerWithTaints",
      () => parseTaints(pick(values["register-with-taints"], "REGISTER_WITH_TAINTS", "")),
      [],
    ),
    nodeStatusReportMs: 1000 * num(values["node-status-report-seconds"], "NODE_STATUS_REPORT_SECONDS", "60"),
    nodeStatusUpdateMs: 1000 * num(values["node-status-update-seconds"], "NODE_STATUS_UPDATE_SECONDS", "10"),
    crashLoopBackOff: {
      initialMs:
        1000 * num(values["crash-loop-backoff-initial-seconds"], "CRASH_LOOP_BACKOFF_INITIAL_SECONDS", "10"),
      maxMs: 1000 * num(values["crash-loop-backoff-max-seconds"], "CRASH_LOOP_BACKOFF_MAX_SECONDS", "300"),
    },
    imagePullBackOff: {
      initialMs:
        1000 * num(values["image-pull-backoff-initial-seconds"], "IMAGE_PULL_BACKOFF_INITIAL_SECONDS", "10"),
      maxMs: 1000 * num(values["image-pull-backoff-max-seconds"], "IMAGE_PULL_BACKOFF_MAX_SECONDS", "300"),
    },
    fakeStartDelayMs: num(values["fake-start-delay-ms"], "FAKE_START_DELAY_MS", "0"),
    hollowNodes: num(values["hollow-nodes"], "HOLLOW_NODES", "0"),
    podRange: pick(values["pod-range"], "POD_RANGE", "100.64.0.0/16"),
    serviceRange: pick(values["service-range"], "SERVICE_RANGE", "100.96.0.0/16"),
    natsServers: pick(values["nats-servers"], "NATS_SERVERS", ""),
    heartbeatMs: 1000 * num(values["heartbeat-seconds"], "HEARTBEAT_SECONDS", "5"),
    podRoutes: pick(values["pod-routes"], "POD_ROUTES", "none"),
    nodeInterface: pick(values["node-interface"], "NODE_INTERFACE", "") || undefined,
  });
  const issues = [...problems, ...(result.success ? [] : result.error.issues)];
  if (!result.success || issues.length > 0) throw configError(issues, USAGE);
  return result.data;
}

/** "k=v,k2=v2" → labels; keys may carry a prefix ("node-role.kubernetes.io/worker="). */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new Error(`"${item}" is not key=value`);
    labels[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return labels;
}

/** "key=value:Effect,key:Effect" → taints, as kubelet's --register-with-taints. */
export function parseTaints(text: string): Taint[] {
  const taints: Taint[] = [];
  for (const item of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const colon = item.lastIndexOf(":");
    if (colon <= 0) throw new Error(`"${item}" is not key[=value]:effect`);
    const effect = item.slice(colon + 1);
    if (!(TAINT_EFFECTS as readonly string[]).includes(effect)) {
      throw new Error(`"${item}": effect must be one of ${TAINT_EFFECTS.join(", ")}`);
    }
    const [key = "", value] = item.slice(0, colon).split("=", 2);
    taints.push(value === undefined ? { key, effect } : { key, value, effect });
  }
  return taints;
}

const SUFFIX: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};

/** A Kubernetes memory quantity ("8Gi", "512Mi", "2G", "1073741824") in bytes. */
export function parseBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kMGTP]i?|Ki)?$/.exec(text.trim());
  const factor = SUFFIX[m?.[2] ?? ""];
  if (!m || factor === undefined) throw new Error(`"${text}" is not a quantity like 8Gi or 512Mi`);
  return Math.floor(Number(m[1]) * factor);
}
