/**
 * Every daemon of a local cluster, in start order: how it is started (its
 * command line), where it listens, and how its health is asked. Pure: the
 * same settings and paths always give the same list, so that `up`, `down`,
 * `status` and `logs` agree on names and files.
 */
import { DEFAULT_SERVICE_CIDR } from "@ktl/node-network";
import type { Binaries } from "./deps.js";
import { serviceMain } from "./deps.js";
import { nodePaths, type ClusterPaths } from "./home.js";
import { hostSafetyPodRange, nodeSpecs, portsFor, type ClusterSettings, type NodeSpec } from "./settings.js";
import type { ClusterAddresses } from "./state.js";

export type ComponentKind =
  | "etcd"
  | "nats"
  | "registry"
  | "apiserver"
  | "controller-manager"
  | "scheduler"
  | "containerd"
  | "kubelet"
  | "kube-proxy";

/** How `status` (and `up`, while waiting) asks whether a component is healthy. */
export type HealthCheck =
  { readonly kind: "http"; readonly url: string } | { readonly kind: "cri"; readonly socket: string };

export interface Listen {
  readonly host: string;
  readonly port: number;
}

const lo = (port: number): Listen => ({ host: "127.0.0.1", port });

export interface Component {
  /** e.g. "etcd", "kubelet-ktl-node-1": names its log and pid files. */
  readonly name: string;
  readonly kind: ComponentKind;
  /** Shown by `status` and `up`. */
  readonly address: string;
  /** The TCP addresses it listens on (checked free before it starts). */
  readonly listens: readonly Listen[];
  readonly health: HealthCheck;
  /** The node it belongs to (containerd, kubelet). */
  readonly node?: NodeSpec;
  /** How long SIGTERM may take before SIGKILL. */
  readonly graceMs: number;
  /** The command line, given the programs found on this machine. */
  command(binaries: Binaries): { command: string; args: string[] };
}

export function clusterAddresses(settings: ClusterSettings): ClusterAddresses {
  const p = portsFor(settings.portOffset);
  return {
    etcd: `http://127.0.0.1:${p.etcd}`,
    nats: `nats://127.0.0.1:${p.nats}`,
    natsMonitor: `http://127.0.0.1:${p.natsMonitor}`,
    registry: `127.0.0.1:${p.registry}`,
    apiserver: `http://127.0.0.1:${p.apiserver}`,
    apiserverGrpc: `127.0.0.1:${p.apiserverGrpc}`,
    controllerManager: `http://127.0.0.1:${p.controllerManager}`,
    scheduler: `http://127.0.0.1:${p.scheduler}`,
  };
}

const node = (b: Binaries, service: string, args: string[]): { command: string; args: string[] } => ({
  command: b.node,
  args: [serviceMain(service), ...args],
});

/** The control plane, in start order (stopped in the reverse). */
export function controlPlane(paths: ClusterPaths, settings: ClusterSettings): Component[] {
  const p = portsFor(settings.portOffset);
  const a = clusterAddresses(settings);
  const etcdPeer = `http://127.0.0.1:${p.etcdPeer}`;
  return [
    {
      name: "etcd",
      kind: "etcd",
      address: a.etcd,
      listens: [lo(p.etcd), lo(p.etcdPeer)],
      health: { kind: "http", url: `${a.etcd}/health` },
      graceMs: 10_000,
      command: (b) => ({
        command: b.etcd,
        args: [
          ...["--name", "ktl", "--data-dir", paths.etcdData],
          ...["--listen-client-urls", a.etcd, "--advertise-client-urls", a.etcd],
          ...["--listen-peer-urls", etcdPeer, "--initial-advertise-peer-urls", etcdPeer],
          ...["--initial-cluster", `ktl=${etcdPeer}`, "--log-level", "warn", "--logger", "zap"],
        ],
      }),
    },
    {
      name: "nats",
      kind: "nats",
      address: a.nats,
      listens: [lo(p.nats), lo(p.natsMonitor)],
      health: { kind: "http", url: `${a.natsMonitor}/healthz` },
      graceMs: 10_000,
      command: (b) => ({
        command: b.natsServer,
        args: [
          ...["--name", "ktl", "-js", "-sd", paths.natsStore],
          ...["-a", "127.0.0.1", "-p", String(p.nats), "-m", String(p.natsMonitor)],
        ],
      }),
    },
    {
      name: "registry",
      kind: "registry",
      address: a.registry,
      listens: [lo(p.registry)],
      health: { kind: "http", url: `http://${a.registry}/v2/` },
      graceMs: 5_000,
      command: (b) => ({ command: b.dockerRegistry, args: ["serve", paths.registryConfig] }),
    },
    {
      name: "apiserver",
      kind: "apiserver",
      address: a.apiserver,
      listens: [lo(p.apiserver), lo(p.apiserverGrpc)],
      health: { kind: "http", url: `${a.apiserver}/readyz` },
      graceMs: 10_000,
      command: (b) =>
        node(b, "apiserver", [
          ...["--etcd-servers", a.etcd, "--bind-address", "127.0.0.1"],
          ...["--port", String(p.apiserver), "--grpc-port", String(p.apiserverGrpc)],
          // Events live in NATS JetStream, never in etcd.
          ...["--nats-servers", a.nats],
        ]),
    },
    {
      name: "controller-manager",
      kind: "controller-manager",
      address: a.controllerManager,
      listens: [lo(p.controllerManager)],
      health: { kind: "http", url: `${a.controllerManager}/healthz` },
      graceMs: 10_000,
      command: (b) =>
        node(b, "controller-manager", [
          ...["--apiserver", a.apiserverGrpc, "--health-port", String(p.controllerManager)],
          ...["--cluster-cidr", settings.clusterCidr],
          ...["--node-cidr-mask-size", String(settings.nodeCidrMaskSize), "--leader-elect", "true"],
          // Node heartbeats for the node lifecycle controller.
          ...["--nats-servers", a.nats],
        ]),
    },
    {
      name: "scheduler",
      kind: "scheduler",
      address: a.scheduler,
      listens: [lo(p.scheduler)],
      health: { kind: "http", url: `${a.scheduler}/healthz` },
      graceMs: 10_000,
      command: (b) =>
        node(b, "scheduler", [
          ...["--apiserver", a.apiserverGrpc, "--health-port", String(p.scheduler)],
          // Events (Scheduled, FailedScheduling).
          ...["--nats-servers", a.nats],
        ]),
    },
  ];
}

export function containerdComponent(paths: ClusterPaths, spec: NodeSpec): Component {
  const n = nodePaths(paths, spec.name);
  return {
    name: `containerd-${spec.name}`,
    kind: "containerd",
    address: `unix://${n.socket}`,
    listens: [],
    health: { kind: "cri", socket: n.socket },
    node: spec,
    graceMs: 10_000,
    command: (b) => ({ command: b.containerd, args: ["--config", n.containerdConfig] }),
  };
}

export function kubeletComponent(paths: ClusterPaths, settings: ClusterSettings, spec: NodeSpec): Component {
  const n = nodePaths(paths, spec.name);
  const port = portsFor(settings.portOffset).kubelet;
  const address = `http://${spec.ip}:${port}`;
  return {
    name: `kubelet-${spec.name}`,
    kind: "kubelet",
    address,
    listens: [{ host: spec.ip, port }],
    health: { kind: "http", url: `${address}/healthz` },
    node: spec,
    graceMs: 15_000,
    command: (b) =>
      node(b, "kubelet", [
        ...["--apiserver", clusterAddresses(settings).apiserverGrpc, "--runtime", "cri"],
        ...["--node-name", spec.name, "--node-ip", spec.ip, "--port", String(port)],
        ...["--container-runtime-endpoint", n.socket, "--root-dir", n.kubeletRoot],
        ...["--cni-conf-dir", n.cniConfDir, "--cgroup-root", spec.cgroupRoot],
        ...["--pod-range", hostSafetyPodRange(settings.clusterCidr), "--service-range", DEFAULT_SERVICE_CIDR],
        // Heartbeats over NATS; the Node status is written only when it changes.
        ...["--nats-servers", clusterAddresses(settings).nats],
      ]),
  };
}

/** The node's kube-proxy: Services on the node's address (NodePorts) and on the machine's ClusterIPs. */
export function kubeProxyComponent(settings: ClusterSettings, spec: NodeSpec): Component {
  const port = portsFor(settings.portOffset).kubeProxy;
  const address = `http://${spec.ip}:${port}`;
  return {
    name: `kube-proxy-${spec.name}`,
    kind: "kube-proxy",
    address: `${address} (${settings.proxyMode})`,
    listens: [{ host: spec.ip, port }],
    health: { kind: "http", url: `${address}/healthz` },
    node: spec,
    graceMs: 10_000,
    command: (b) =>
      node(b, "kube-proxy", [
        ...["--apiserver", clusterAddresses(settings).apiserverGrpc, "--proxy-mode", settings.proxyMode],
        ...["--node-name", spec.name, "--node-ip", spec.ip],
        ...["--bind-address", spec.ip, "--health-port", String(port)],
        ...["--cluster-cidr", settings.clusterCidr, "--service-cidr", DEFAULT_SERVICE_CIDR],
      ]),
  };
}

/**
 * Every component, in start order: the control plane, then each node's
 * containerd, kubelet and kube-proxy (stopped in the reverse).
 */
export function allComponents(paths: ClusterPaths, settings: ClusterSettings): Component[] {
  const nodes = nodeSpecs(settings);
  return [
    ...controlPlane(paths, settings),
    ...nodes.map((n) => containerdComponent(paths, n)),
    ...nodes.map((n) => kubeletComponent(paths, settings, n)),
    ...nodes.map((n) => kubeProxyComponent(settings, n)),
  ];
}
