/**
 * The layout of $KTL_HOME (default ~/.ktl), where `ktl cluster up` keeps
 * everything of a local cluster:
 *
 *   state.json            settings, addresses, who installed the host safety net
 *   kubeconfig            for ktl and kubectl (context "ktl", namespace default)
 *   logs/<component>.log  every daemon's stdout and stderr
 *   run/<component>.pid   every daemon's pid; run/containerd-<node>.sock
 *   etcd/                 etcd's data
 *   nats/                 NATS JetStream's store
 *   registry/             config.yml and the images (registry/data)
 *   nodes/<node>/containerd/  config.toml, certs.d, root (images), state
 *   nodes/<node>/kubelet/     the kubelet's --root-dir (pods, container logs)
 *   nodes/<node>/cni/         net.d (written by the kubelet) and ipam
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export function ktlHome(env: NodeJS.ProcessEnv): string {
  return resolve(env.KTL_HOME || join(env.HOME || homedir(), ".ktl"));
}

export interface ClusterPaths {
  readonly home: string;
  readonly stateFile: string;
  readonly kubeconfig: string;
  readonly logs: string;
  readonly run: string;
  readonly etcdData: string;
  readonly natsStore: string;
  readonly registryDir: string;
  readonly registryConfig: string;
  readonly registryData: string;
  readonly nodesDir: string;
}

export function clusterPaths(home: string): ClusterPaths {
  return {
    home,
    stateFile: join(home, "state.json"),
    kubeconfig: join(home, "kubeconfig"),
    logs: join(home, "logs"),
    run: join(home, "run"),
    etcdData: join(home, "etcd"),
    natsStore: join(home, "nats"),
    registryDir: join(home, "registry"),
    registryConfig: join(home, "registry", "config.yml"),
    registryData: join(home, "registry", "data"),
    nodesDir: join(home, "nodes"),
  };
}

/** What `down --purge` deletes: everything above, and nothing else that may sit in $KTL_HOME. */
export function purgeableEntries(paths: ClusterPaths): string[] {
  return [
    paths.stateFile,
    paths.kubeconfig,
    paths.logs,
    paths.run,
    paths.etcdData,
    paths.natsStore,
    paths.registryDir,
    paths.nodesDir,
  ];
}

export const logFile = (paths: ClusterPaths, component: string): string =>
  join(paths.logs, `${component}.log`);

export const pidFile = (paths: ClusterPaths, component: string): string =>
  join(paths.run, `${component}.pid`);

export interface NodePaths {
  readonly dir: string;
  readonly containerdDir: string;
  readonly containerdConfig: string;
  readonly containerdRoot: string;
  readonly containerdState: string;
  readonly certsDir: string;
  /** The CRI socket (unix sockets allow ~107 bytes, so it sits in run/). */
  readonly socket: string;
  readonly kubeletRoot: string;
  readonly cniConfDir: string;
}

export function nodePaths(paths: ClusterPaths, node: string): NodePaths {
  const dir = join(paths.nodesDir, node);
  const containerdDir = join(dir, "containerd");
  return {
    dir,
    containerdDir,
    containerdConfig: join(containerdDir, "config.toml"),
    containerdRoot: join(containerdDir, "root"),
    containerdState: join(containerdDir, "state"),
    certsDir: join(containerdDir, "certs.d"),
    socket: join(paths.run, `containerd-${node}.sock`),
    kubeletRoot: join(dir, "kubelet"),
    cniConfDir: join(dir, "cni", "net.d"),
  };
}

/** Linux's sun_path is 108 bytes; containerd adds ".ttrpc" for its second socket. */
export const MAX_SOCKET_PATH = 100;
