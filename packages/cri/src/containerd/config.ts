/**
 * containerd's configuration (TOML, version 2) for one node's own daemon.
 * Several nodes may share a machine, each with its own containerd, so every
 * path is per node and nothing listens on TCP: the gRPC and ttrpc sockets
 * are unix sockets under the node's state, debug and metrics are off, and
 * the CRI streaming server binds 127.0.0.1 on a kernel-chosen port.
 */
import { join } from "node:path";

export interface ContainerdConfigOptions {
  /** Persistent data: content store, snapshots, metadata. */
  readonly root: string;
  /** Runtime state: shims, task bundles, sandbox shm and netns mounts. */
  readonly state: string;
  /** The gRPC unix socket path (clients use unix://<socket>). */
  readonly socket: string;
  /** The pause image, e.g. "127.0.0.1:5000/ktl/pause:3.9". */
  readonly sandboxImage: string;
  /** Where the node's CNI .conflist lives (see @ktl/node-network). */
  readonly cniConfDir: string;
  /** Default /usr/lib/cni (Debian's containernetworking-plugins). */
  readonly cniBinDir?: string;
  /** The certs.d directory with hosts.toml files (see writeRegistryHosts). */
  readonly registryConfigPath: string;
  /** containerd's log level (default "warn"). */
  readonly logLevel?: "trace" | "debug" | "info" | "warn" | "error";
}

/**
 * Plugins a node never uses; disabling them keeps startup quick and the log
 * quiet. The cgroups monitor stays: it reports OOM kills.
 */
export const DISABLED_PLUGINS: readonly string[] = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
  // Not io.containerd.runtime.v1.linux: containerd 1.6's tasks service (and
  // with it the CRI plugin) fails to load without it, although runc.v2 is used.
];

const CRI = `plugins."io.containerd.grpc.v1.cri"`;

/** TOML basic string (JSON's escapes are a subset of TOML's). */
const str = (value: string): string => JSON.stringify(value);

export function renderContainerdConfig(options: ContainerdConfigOptions): string {
  const { root, state, socket } = options;
  return `# containerd configuration for one ktl node (written by @ktl/cri).
version = 2
root = ${str(root)}
state = ${str(state)}
oom_score = 0
disabled_plugins = [${DISABLED_PLUGINS.map(str).join(", ")}]

[grpc]
  address = ${str(socket)}
  # No TCP listener: several nodes share this machine.
  tcp_address = ""

[ttrpc]
  address = ${str(`${socket}.ttrpc`)}

[debug]
  address = ""
  level = ${str(options.logLevel ?? "warn")}

[metrics]
  address = ""

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = ${str(join(root, "opt"))}

  [${CRI}]
    sandbox_image = ${str(options.sandboxImage)}
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    disable_tcp_service = true
    enable_selinux = false
    disable_apparmor = true
    enable_cdi = false
    # Pod network namespaces under state/, not the machine-wide /var/run/netns.
    netns_mounts_under_state_dir = true
    systemd_cgroup = false
    # Never below containerd's own oom_score_adj: lowering it needs
    # CAP_SYS_RESOURCE, which ktl's machines may lack (runc then fails with
    # "can't get final child's PID from pipe"). The pause container asks -998.
    restrict_oom_score_adj = true
    max_container_log_line_size = 16384

    [${CRI}.containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      discard_unpacked_layers = false

      [${CRI}.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"

        [${CRI}.containerd.runtimes.runc.options]
          SystemdCgroup = false
          # runc's own state per node, not the shared /run/containerd/runc.
          Root = ${str(join(state, "runc"))}

    [${CRI}.cni]
      bin_dir = ${str(options.cniBinDir ?? "/usr/lib/cni")}
      conf_dir = ${str(options.cniConfDir)}
      max_conf_num = 1
      conf_template = ""

    [${CRI}.registry]
      config_path = ${str(options.registryConfigPath)}
`;
}
