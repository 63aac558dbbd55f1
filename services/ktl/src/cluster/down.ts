/**
 * `ktl cluster down [--purge]`: stops what `up` started, by the recorded
 * pids, in reverse order — the kube-proxies (they remove their own rules and
 * ClusterIP addresses), the kubelets; each node's pods (through the CRI),
 * its containerd and what they leave (mounts, netns, bridge, cgroups); the
 * control plane, NATS, the registry, etcd — then the leftovers of the whole
 * cluster: mounts under $KTL_HOME, portmap's nat tables, and the host safety
 * net if this cluster installed it and nobody else uses it. Data stays
 * unless --purge. Every step runs even when an earlier one failed.
 */
import { readdir, rm, rmdir } from "node:fs/promises";
import { bridgeNameFor, removePortmapLeftovers, removeProxyLeftovers } from "@ktl/node-network";
import { mountsUnder } from "@ktl/cri";
import { CliError } from "../cli/errors.js";
import {
  containerdComponent,
  controlPlane,
  kubeletComponent,
  kubeProxyComponent,
  type Component,
} from "./components.js";
import { clusterPaths, purgeableEntries } from "./home.js";
import { cleanupHome, releaseHostSafety, teardownNode } from "./host-cleanup.js";
import { stopComponent } from "./lifecycle.js";
import { nodeSpecs } from "./settings.js";
import { readState, writeState } from "./state.js";

export interface DownOptions {
  readonly home: string;
  readonly purge: boolean;
  readonly say: (line: string) => void;
}

/** The control plane's stop order. */
const STOP_ORDER = ["scheduler", "controller-manager", "apiserver", "nats", "registry", "etcd"];

export async function clusterDown(o: DownOptions): Promise<void> {
  const paths = clusterPaths(o.home);
  const state = await readState(paths.stateFile);
  const failures: string[] = [];
  const step = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
      failures.push(message);
      o.say(`error: ${message}`);
    }
  };
  const stop = async (c: Component): Promise<void> => {
    const { pid, outcome } = await stopComponent(paths, c);
    if (outcome === "not-running") o.say(`${c.name} was not running`);
    else
      o.say(`stopped ${c.name} (pid ${pid}${outcome === "killed" ? ", killed after the grace period" : ""})`);
  };

  if (!state) {
    o.say(`no cluster state in ${paths.stateFile}: nothing to stop`);
  } else {
    const { settings } = state;
    const nodes = nodeSpecs(settings);
    if (process.getuid?.() !== 0)
      throw new CliError(
        "ktl cluster down needs root (containerd, mounts, pod networking, cgroups); try sudo",
      );

    await Promise.all(
      nodes.map((n) =>
        step(`stopping kube-proxy-${n.name}`, async () => {
          await stop(kubeProxyComponent(settings, n));
          // A proxy killed after its grace period could not remove its rules and ClusterIPs.
          const removed = await removeProxyLeftovers(n.name);
          if (removed > 0) o.say(`removed ${removed} ClusterIP address(es) kube-proxy-${n.name} left on lo`);
        }),
      ),
    );
    await Promise.all(
      nodes.map((n) => step(`stopping kubelet-${n.name}`, () => stop(kubeletComponent(paths, settings, n)))),
    );
    for (const n of nodes) {
      await step(`tearing down node ${n.name}`, async () => {
        const c = containerdComponent(paths, n);
        const { pid, outcome } = await teardownNode(paths, c, n, (line) => o.say(`warning: ${line}`));
        o.say(
          outcome === "not-running"
            ? `${c.name} was not running; removed what its pods left (mounts, bridge ${bridgeNameFor(n.name)}, cgroups)`
            : `stopped ${c.name} (pid ${pid}) after removing its pods; removed bridge ${bridgeNameFor(n.name)} and cgroup ${n.cgroupRoot}`,
        );
      });
    }
    const plane = controlPlane(paths, settings);
    for (const name of STOP_ORDER) {
      const c = plane.find((p) => p.name === name);
      if (c) await step(`stopping ${name}`, () => stop(c));
    }

    await step(`unmounting what is left under ${paths.home}`, () => cleanupHome(paths));
    await step("removing portmap's leftover nat tables", () => removePortmapLeftovers());
    if (state.hostSafetyOwned) {
      await step("removing the host safety net", async () => {
        const bridges = nodes.map((n) => bridgeNameFor(n.name));
        const { removed, users } = await releaseHostSafety(state.hostSafety, bridges);
        if (removed) {
          o.say("removed the host safety net (unreachable routes, nft table ktl-guard; ip_forward restored)");
          await writeState(paths.stateFile, { ...state, hostSafetyOwned: false });
        } else {
          o.say(`left the host safety net in place: still used by ${users.join(", ")}`);
        }
      });
    } else {
      o.say("left the host safety net in place (it was there before this cluster)");
    }
  }

  if (o.purge) {
    if (failures.length > 0) o.say(`not deleting ${paths.home}: down did not finish cleanly`);
    else
      await step(`deleting ${paths.home}`, async () => {
        await purge(paths.home, purgeableEntries(paths));
        o.say(`deleted the cluster's data, logs and kubeconfig in ${paths.home}`);
      });
  } else if (state) {
    o.say(`kept the data in ${paths.home} (ktl cluster down --purge deletes it)`);
  }
  if (failures.length > 0) throw new CliError(`cluster down finished with ${failures.length} error(s)`);
}

/** Deletes ktl's entries in $KTL_HOME (then the directory, when empty) — never across a mount. */
async function purge(home: string, entries: readonly string[]): Promise<void> {
  const mounts = await mountsUnder(home);
  if (mounts.length > 0) throw new Error(`still mounted: ${mounts.join(", ")}`);
  for (const entry of entries) await rm(entry, { recursive: true, force: true });
  const left = await readdir(home).catch(() => undefined);
  if (left?.length === 0) await rmdir(home);
}
