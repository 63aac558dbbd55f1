/**
 * What a local cluster leaves on the machine besides its processes, and how
 * `down` takes it away: per node, its containerd with its pods (the shared
 * @ktl/cri teardown), its bridge and its cgroups; for the cluster, mounts
 * left under $KTL_HOME, portmap's nat tables, and the host safety net when
 * this cluster installed it and nobody else still needs it.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import { BRIDGE_PREFIX, bridgeNameFor, deleteBridge, removeHostSafety } from "@ktl/node-network";
import { removeCgroups, removeEmptyCgroup, teardownContainerd, unmountUnder } from "@ktl/cri";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Component } from "./components.js";
import { nodePaths, type ClusterPaths } from "./home.js";
import { runningPid, stopComponent } from "./lifecycle.js";
import type { NodeSpec } from "./settings.js";

const exec = promisify(execFile);

/** The cgroup every node's cgroup root sits in (/ktl/<node>). */
export const CGROUP_PARENT = "/ktl";

/**
 * A node after its kubelet stopped: its pods through the CRI, its containerd,
 * leftover shims, runc containers and mounts (netns, shm, rootfs) under the
 * node's directory, its bridge, libcni's cache, its cgroups, and containerd's
 * runtime state (the images in root/ are kept).
 */
export async function teardownNode(
  paths: ClusterPaths,
  containerd: Component,
  node: NodeSpec,
  warn: (line: string) => void,
): Promise<{ pid?: number; outcome: string }> {
  const n = nodePaths(paths, node.name);
  let stopped: { pid?: number; outcome: string } = { outcome: "not-running" };
  const pid = await runningPid(paths, containerd);
  await teardownContainerd({
    socket: n.socket,
    state: n.containerdState,
    cniConfDir: n.cniConfDir,
    mountRoots: [n.dir],
    running: () => pid !== undefined,
    stopDaemon: async () => {
      stopped = await stopComponent(paths, containerd);
    },
    warn,
  });
  await deleteBridge(bridgeNameFor(node.name));
  await removeCgroups(node.cgroupRoot);
  await rm(n.containerdState, { recursive: true, force: true });
  await rm(n.socket, { force: true });
  await rm(`${n.socket}.ttrpc`, { force: true });
  return stopped;
}

/** Unmounts whatever is still mounted under $KTL_HOME and drops the /ktl cgroup if it is empty. */
export async function cleanupHome(paths: ClusterPaths): Promise<void> {
  await unmountUnder(paths.home);
  await removeEmptyCgroup(CGROUP_PARENT);
}

/**
 * Who else still relies on the host safety net: ktl pod bridges that are not
 * this cluster's, and kubelets (of any cluster or test) still running.
 * Empty when it can go.
 */
export async function otherHostSafetyUsers(ownBridges: readonly string[]): Promise<string[]> {
  const users: string[] = [];
  const links = await exec("ip", ["-o", "link", "show", "type", "bridge"]).then(
    (r) => r.stdout,
    () => "",
  );
  for (const line of links.split("\n")) {
    const name = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1];
    if (name?.startsWith(BRIDGE_PREFIX) && !ownBridges.includes(name)) users.push(`bridge ${name}`);
  }
  for (const pid of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (/kubelet\/dist\/main\.js\0/.test(cmdline)) users.push(`kubelet pid ${pid}`);
  }
  return users;
}

/** Removes the host safety net (restoring ip_forward) unless someone else still uses it. */
export async function releaseHostSafety(
  range: { podRange: string; serviceRange: string },
  ownBridges: readonly string[],
): Promise<{ removed: boolean; users: string[] }> {
  const users = await otherHostSafetyUsers(ownBridges);
  if (users.length > 0) return { removed: false, users };
  await removeHostSafety({ podCidr: range.podRange, serviceCidr: range.serviceRange });
  return { removed: true, users };
}
