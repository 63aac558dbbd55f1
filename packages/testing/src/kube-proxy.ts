import { startService, type ServiceProcess } from "./service.js";

export interface KubeProxyOptions {
  /** The apiserver's gRPC address. */
  readonly apiserver: string;
  readonly nodeName: string;
  /** The node's address; NodePorts listen (userspace) or are DNATed (nftables) there. */
  readonly nodeIp: string;
  /** Default userspace. */
  readonly mode?: "userspace" | "nftables";
  /** More flags, e.g. ["--udp-timeout-seconds", "5"]. */
  readonly args?: readonly string[];
}

/**
 * The built kube-proxy (services/kube-proxy/dist) against an apiserver,
 * /healthz and /metrics on a free port; resolves once its first sync has been
 * applied ("proxy ready"). Stopping it (SIGTERM) removes its listeners, nft
 * table and ClusterIP addresses; kill() leaves them, as a crash would.
 */
export function startKubeProxy(options: KubeProxyOptions): Promise<ServiceProcess> {
  return startService({
    name: "kube-proxy",
    args: [
      "--apiserver",
      options.apiserver,
      "--node-name",
      options.nodeName,
      "--node-ip",
      options.nodeIp,
      "--proxy-mode",
      options.mode ?? "userspace",
      "--health-port",
      "0",
      ...(options.args ?? []),
    ],
    readyMessage: "proxy ready",
  });
}
