/**
 * `ktl cluster up`: brings a local cluster up on this machine, or whatever
 * of it is not running. Control plane first (etcd, NATS, the registry —
 * seeded with busybox and pause —, apiserver, controller-manager,
 * scheduler), each waited for until healthy; then the host safety net, each
 * node's containerd and kubelet; then it waits for the Nodes to be Ready.
 * Daemons run detached: they outlive ktl.
 */
import { mkdir } from "node:fs/promises";
import { ensureHostSafety, DEFAULT_SERVICE_CIDR, hostSafetyInstalled } from "@ktl/node-network";
import { seedImages } from "@ktl/oci";
import { setTimeout as sleep } from "node:timers/promises";
import { CliError } from "../cli/errors.js";
import {
  allComponents,
  clusterAddresses,
  containerdComponent,
  controlPlane,
  kubeletComponent,
  kubeProxyComponent,
  type Component,
} from "./components.js";
import { writeClusterKubeconfig, writeContainerdConfig, writeRegistryConfig } from "./config-files.js";
import { ensureBinaries, requireServices, type Binaries } from "./deps.js";
import { clusterPaths, logFile, MAX_SOCKET_PATH, nodePaths, type ClusterPaths } from "./home.js";
import { runningPid, startComponent, tailLog, waitHealthy } from "./lifecycle.js";
import { portInUse } from "./ports.js";
import {
  hostSafetyPodRange,
  nodeSpecs,
  resolveSettings,
  settingsDiff,
  type ClusterSettings,
  type SettingsOverrides,
} from "./settings.js";
import { readState, STATE_VERSION, writeState, type ClusterState } from "./state.js";
import { summary } from "./summary.js";

export interface UpOptions {
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  readonly overrides: SettingsOverrides;
  /** For the whole `up`; 0: no limit. */
  readonly timeoutMs: number;
  /** One progress line (no trailing newline). */
  readonly say: (line: string) => void;
}

export async function clusterUp(o: UpOptions): Promise<void> {
  const paths = clusterPaths(o.home);
  const previous = await readState(paths.stateFile);
  const settings = resolveSettings(previous?.settings, o.overrides);
  const components = allComponents(paths, settings);
  const running = await runningPids(paths, [
    ...components,
    ...(previous ? allComponents(paths, previous.settings) : []),
  ]);
  if (running.size > 0 && previous) {
    const diff = settingsDiff(previous.settings, settings);
    if (diff.length > 0)
      throw new CliError(
        `a cluster with other settings is running under ${o.home} (${diff.join(", ")}); run \`ktl cluster down\` first`,
      );
  }
  if (components.every((c) => running.has(c.name))) {
    o.say(
      `the cluster under ${o.home} is already running (${plural(settings.nodes, "node")}); nothing to do`,
    );
    o.say(`  export KUBECONFIG=${paths.kubeconfig}`);
    return;
  }
  if (process.getuid?.() !== 0)
    throw new CliError("ktl cluster up needs root (containerd, pod networking, cgroups); try sudo");
  const deadline = o.timeoutMs > 0 ? Date.now() + o.timeoutMs : Number.POSITIVE_INFINITY;
  const binaries = await ensureBinaries(o.env, o.say);
  requireServices(["apiserver", "controller-manager", "scheduler", "kubelet", "kube-proxy"]);
  await preflight(
    paths,
    settings,
    components.filter((c) => !running.has(c.name)),
  );
  try {
    await startAll(o, paths, settings, running, binaries, deadline, previous);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new CliError(
      `${message}\nwhat did start keeps running: \`ktl cluster status\` shows it, \`ktl cluster down\` stops it`,
    );
  }
}

/** Starts what is not running, in order, then waits for the nodes. */
async function startAll(
  o: UpOptions,
  paths: ClusterPaths,
  settings: ClusterSettings,
  running: ReadonlyMap<string, number>,
  binaries: Binaries,
  deadline: number,
  previous: ClusterState | undefined,
): Promise<void> {
  for (const dir of [paths.logs, paths.run, paths.etcdData, paths.natsStore, paths.nodesDir])
    await mkdir(dir, { recursive: true });

  const addresses = clusterAddresses(settings);
  const hostSafety = {
    podRange: hostSafetyPodRange(settings.clusterCidr),
    serviceRange: DEFAULT_SERVICE_CIDR,
  };
  let state: ClusterState = {
    version: STATE_VERSION,
    settings,
    addresses,
    hostSafetyOwned: previous?.hostSafetyOwned ?? false,
    hostSafety,
    updated: new Date().toISOString(),
  };
  // Written first, so that `down` knows what to stop even if this `up` fails half-way.
  await writeState(paths.stateFile, state);

  const ensure = async (c: Component, before?: () => Promise<void>): Promise<void> => {
    const pid = running.get(c.name);
    if (pid !== undefined) {
      o.say(`${c.name} is already running (pid ${pid})`);
      return;
    }
    await before?.();
    const started = await startComponent(paths, c, binaries);
    await waitHealthy(paths, c, started, deadline);
    o.say(`started ${c.name} (pid ${started}) on ${c.address}`);
  };

  for (const c of controlPlane(paths, settings)) {
    await ensure(c, c.kind === "registry" ? () => writeRegistryConfig(paths, addresses.registry) : undefined);
    if (c.kind === "registry") {
      const seeded = await seedImages({ registry: addresses.registry });
      o.say(`registry has ${seeded.map((s) => `${s.repository}:${s.tag}`).join(", ")}`);
    }
    if (c.kind === "apiserver") await writeClusterKubeconfig(paths.kubeconfig, addresses.apiserver);
  }

  const hadGuard = await hostSafetyInstalled();
  await ensureHostSafety({ podCidr: hostSafety.podRange, serviceCidr: hostSafety.serviceRange });
  // Ours when we installed it (or installed it earlier and it stayed); someone else's otherwise.
  state = { ...state, hostSafetyOwned: hadGuard ? state.hostSafetyOwned : true };
  await writeState(paths.stateFile, state);
  o.say(
    `host safety net in place (unreachable routes and nft table for ${hostSafety.podRange}, ${hostSafety.serviceRange})`,
  );

  const nodes = nodeSpecs(settings);
  await Promise.all(
    nodes.map((n) =>
      ensure(containerdComponent(paths, n), () =>
        writeContainerdConfig(nodePaths(paths, n.name), addresses.registry),
      ),
    ),
  );
  await Promise.all(nodes.map((n) => ensure(kubeletComponent(paths, settings, n))));
  await Promise.all(nodes.map((n) => ensure(kubeProxyComponent(settings, n))));

  await waitForNodes(paths, settings, deadline, o.say);
  for (const line of summary(paths, settings, state)) o.say(line);
}

async function runningPids(
  paths: ClusterPaths,
  components: readonly Component[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const c of components) {
    if (out.has(c.name)) continue;
    const pid = await runningPid(paths, c);
    if (pid !== undefined) out.set(c.name, pid);
  }
  return out;
}

/** Checks what would make a start fail obscurely: long socket paths, ports in use. */
async function preflight(
  paths: ClusterPaths,
  settings: ClusterSettings,
  toStart: readonly Component[],
): Promise<void> {
  for (const n of nodeSpecs(settings)) {
    const socket = nodePaths(paths, n.name).socket;
    if (socket.length > MAX_SOCKET_PATH)
      throw new CliError(`the socket path ${socket} is too long for a unix socket; use a shorter KTL_HOME`);
  }
  const busy: string[] = [];
  for (const c of toStart) {
    for (const address of c.listens) {
      if (await portInUse(address.host, address.port))
        busy.push(`${address.host}:${address.port} (${c.name})`);
    }
  }
  if (busy.length > 0)
    throw new CliError(
      `in use already: ${busy.join(", ")}; stop what listens there, or give this cluster other ports with --port-offset`,
    );
}

interface NodeList {
  items?: { metadata?: { name?: string }; status?: { conditions?: { type?: string; status?: string }[] } }[];
}

/** Polls the Nodes until every node of the cluster is Ready, saying so whenever the count changes. */
async function waitForNodes(
  paths: ClusterPaths,
  settings: ClusterSettings,
  deadline: number,
  say: (line: string) => void,
): Promise<void> {
  const nodes = nodeSpecs(settings);
  const names = new Set(nodes.map((n) => n.name));
  const url = `${clusterAddresses(settings).apiserver}/api/v1/nodes`;
  const nodeComponents = nodes.flatMap((n) => [
    containerdComponent(paths, n),
    kubeletComponent(paths, settings, n),
  ]);
  let shown = -1;
  for (;;) {
    let ready = 0;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
      const list = (await response.json()) as NodeList;
      ready = (list.items ?? []).filter(
        (n) =>
          names.has(n.metadata?.name ?? "") &&
          (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
      ).length;
    } catch {
      // The apiserver may be busy; the deadline bounds this.
    }
    if (ready !== shown) {
      say(`waiting for ${plural(nodes.length, "node")} to be Ready (${ready}/${nodes.length})`);
      shown = ready;
    }
    if (ready === nodes.length) return;
    for (const c of nodeComponents) {
      if ((await runningPid(paths, c)) === undefined)
        throw new CliError(
          `${c.name} is not running; the end of ${logFile(paths, c.name)}:\n${await tailLog(logFile(paths, c.name), 20)}`,
        );
    }
    if (Date.now() >= deadline)
      throw new CliError(
        `timed out waiting for the nodes to be Ready (${ready}/${nodes.length}); see the kubelets' logs (ktl cluster logs kubelet-${nodes[0]?.name ?? ""})`,
      );
    await sleep(500);
  }
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
