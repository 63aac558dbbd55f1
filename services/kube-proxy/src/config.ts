import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";
import { DEFAULT_POD_CIDR, DEFAULT_SERVICE_CIDR, parseCidr } from "@ktl/node-network";
import { configError, flagPicker } from "@ktl/service";

/** kube-proxy's healthz port in Kubernetes. */
const HEALTH_PORT = 10256;

const cidr = z.string().refine((text) => {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}, "not an IPv4 CIDR with zero host bits");

const ConfigSchema = z.object({
  apiserver: z.string().min(1),
  nodeName: z.string().min(1),
  nodeIp: z.string().ip({ version: "v4" }),
  proxyMode: z.enum(["userspace", "nftables"]),
  bindAddress: z.string().ip({ version: "v4" }),
  healthPort: z.number().int().min(0).max(65535),
  udpTimeoutSeconds: z.number().positive(),
  clusterCidr: cidr,
  serviceCidr: cidr,
  minSyncPeriodMs: z.number().min(0),
  syncPeriodMs: z.number().positive(),
  dialTimeoutMs: z.number().positive(),
});

export type ProxyConfig = z.infer<typeof ConfigSchema>;
export type ProxyMode = ProxyConfig["proxyMode"];

export const USAGE = `ktl-kube-proxy: sends traffic for Services' ClusterIPs and NodePorts to their ready endpoints.

  --apiserver HOST:PORT        the apiserver's gRPC address              [127.0.0.1:8081]
  --node-name NAME             this node's name (names the nft table)    [hostname]
  --node-ip IP                 the node's address; NodePorts live here   [127.0.0.1]
  --proxy-mode MODE            userspace (Node.js) or nftables (kernel)  [userspace]
  --bind-address IP            address of /healthz and /metrics          [127.0.0.1]
  --health-port N              port of /healthz and /metrics (0: any)    [${HEALTH_PORT}]
  --udp-timeout-seconds N      idle UDP session lifetime (userspace)     [30]
  --cluster-cidr CIDR          the pod range: hairpin NAT, endpoint check [${DEFAULT_POD_CIDR}]
  --service-cidr CIDR          ClusterIPs outside it are ignored          [${DEFAULT_SERVICE_CIDR}]
  --min-sync-period MS         changes closer than this are batched      [50]
  --sync-period MS             full resync even without changes          [30000]
  --dial-timeout MS            userspace: give up on an endpoint after   [1000]
`;

/** Flags win over KTL_KUBE_PROXY_* environment variables, which win over defaults. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ProxyConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      apiserver: { type: "string" },
      "node-name": { type: "string" },
      "node-ip": { type: "string" },
      "proxy-mode": { type: "string" },
      "bind-address": { type: "string" },
      "health-port": { type: "string" },
      "udp-timeout-seconds": { type: "string" },
      "cluster-cidr": { type: "string" },
      "service-cidr": { type: "string" },
      "min-sync-period": { type: "string" },
      "sync-period": { type: "string" },
      "dial-timeout": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const pick = flagPicker(env, "KTL_KUBE_PROXY");
  const result = ConfigSchema.safeParse({
    apiserver: pick(values.apiserver, "APISERVER", "127.0.0.1:8081"),
    nodeName: pick(values["node-name"], "NODE_NAME", hostname().toLowerCase()),
    nodeIp: pick(values["node-ip"], "NODE_IP", "127.0.0.1"),
    proxyMode: pick(values["proxy-mode"], "PROXY_MODE", "userspace"),
    bindAddress: pick(values["bind-address"], "BIND_ADDRESS", "127.0.0.1"),
    healthPort: Number(pick(values["health-port"], "HEALTH_PORT", String(HEALTH_PORT))),
    udpTimeoutSeconds: Number(pick(values["udp-timeout-seconds"], "UDP_TIMEOUT_SECONDS", "30")),
    clusterCidr: pick(values["cluster-cidr"], "CLUSTER_CIDR", DEFAULT_POD_CIDR),
    serviceCidr: pick(values["service-cidr"], "SERVICE_CIDR", DEFAULT_SERVICE_CIDR),
    minSyncPeriodMs: Number(pick(values["min-sync-period"], "MIN_SYNC_PERIOD", "50")),
    syncPeriodMs: Number(pick(values["sync-period"], "SYNC_PERIOD", "30000")),
    dialTimeoutMs: Number(pick(values["dial-timeout"], "DIAL_TIMEOUT", "1000")),
  });
  if (!result.success) throw configError(result.error.issues, USAGE);
  return result.data;
}
