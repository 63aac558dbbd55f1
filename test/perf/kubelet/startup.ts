/**
 * Pod startup latency on one real node (kubelet --runtime cri on its own
 * containerd, with etcd, apiserver and the seeded registry). Prints, measured
 * in one run:
 *  - kubelet: creation of a pod already bound to the node (spec.nodeName, as
 *    the scheduler leaves it) → phase Running seen by a pod watcher, p50/p99
 *  - raw CRI: RunPodSandbox + CreateContainer + StartContainer called
 *    directly with CriClient against the same containerd for the same
 *    container (busybox `sleep 3600`, same CNI network, same cgroup layout),
 *    p50/p99
 *  - the ratio kubelet / raw CRI
 * Both phases run STARTUP_PODS pods (30) with STARTUP_CONCURRENCY in flight
 * (10): each of that many workers starts a pod, waits for it to run, then
 * starts the next. The image is pulled once beforehand, and one raw pod is
 * started and removed first to warm containerd and the CNI plugins, so
 * neither phase pays for that. The kubelet phase runs first; its pods are
 * deleted (and gone from containerd) before the raw phase starts.
 * Bounded: every wait has a deadline; everything is cleaned up. Needs root.
 *
 *   pnpm build && npx tsx test/perf/kubelet/startup.ts
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findResource, type Node, type Pod } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import { CriClient, isNotFound, type ContainerConfig, type PodSandboxConfig } from "@ktl/cri";
import {
  ensureHostSafety,
  hostSafetyInstalled,
  removeHostSafety,
  removePortmapLeftovers,
} from "@ktl/node-network";
import { sandboxImageRef, seedImages } from "@ktl/oci";
import {
  removeCgroups,
  removeEmptyCgroup,
  startApiserver,
  startContainerd,
  startEtcd,
  startKubelet,
  startRegistry,
  type ApiserverProcess,
  type ContainerdServer,
  type EtcdServer,
  type KubeletProcess,
  type RegistryServer,
  until,
} from "@ktl/testing";
import { readFile } from "node:fs/promises";
import { fmt, row, summarize, throughput } from "../lib.js";

const PODS_N = Number(process.env.STARTUP_PODS ?? "30");
const CONCURRENCY = Number(process.env.STARTUP_CONCURRENCY ?? "10");
/** No pod may take longer than this to run (in either phase). */
const POD_TIMEOUT_MS = 60_000;

const id = randomBytes(4).toString("hex");
const NODE = `startup-${id}`;
/** Inside 100.64.240.0/20, apart from the integration tests' /24s. */
const POD_CIDR = "100.64.247.0/24";
const CGROUP_ROOT = `/ktl-bench/${id}`;
const NS = "default";
const IMAGE = "busybox";

function resource(name: string): NonNullable<ReturnType<typeof findResource>> {
  const info = findResource("", name);
  if (!info) throw new Error(`unknown resource ${name}`);
  return info;
}
const PODS = resource("pods");
const NODES = resource("nodes");

/** CPU seconds (user + system) a process has used so far, from /proc. */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN;
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Running pods as a watcher sees them: name → performance.now() of the first Running event. */
class RunningWatcher {
  private readonly seen = new Map<string, number>();
  private readonly waiters = new Map<string, () => void>();
  private readonly abort = new AbortController();
  private failure: unknown;

  constructor(private readonly client: ApiClient) {}

  /** Resolves once the watch is open (its first event, or a short grace without pods). */
  async start(): Promise<void> {
    const { metadata } = await this.client.list<Pod>(PODS, NS);
    const options = { fieldSelector: `spec.nodeName=${NODE}`, resourceVersion: metadata.resourceVersion };
    void (async () => {
      try {
        for await (const ev of this.client.watch<Pod>(PODS, NS, options, this.abort.signal)) {
          if (ev.type !== "ADDED" && ev.type !== "MODIFIED") continue;
          const name = ev.object.metadata?.name ?? "";
          if (ev.object.status?.phase !== "Running" || this.seen.has(name)) continue;
          this.seen.set(name, performance.now());
          this.waiters.get(name)?.();
        }
      } catch (err) {
        if (!this.abort.signal.aborted) this.failure = err;
      }
    })();
  }

  /** When `name` was first seen Running. */
  running(name: string): Promise<number> {
    const at = this.seen.get(name);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(name);
        reject(
          new Error(`pod ${name} not Running within ${POD_TIMEOUT_MS} ms (${String(this.failure ?? "")})`),
        );
      }, POD_TIMEOUT_MS);
      this.waiters.set(name, () => {
        clearTimeout(timer);
        this.waiters.delete(name);
        resolve(this.seen.get(name) ?? NaN);
      });
    });
  }

  stop(): void {
    this.abort.abort();
  }
}

/** The kubelet path: bound pod created → Running seen by the watcher, per pod. */
/** One kubelet pod's start: when it was created and seen Running, ms since the epoch. */
interface KubeletStart {
  readonly name: string;
  readonly created: number;
  readonly running: number;
}

const epochMs = (t: number): number => performance.timeOrigin + t;

async function kubeletPhase(client: ApiClient): Promise<{ starts: KubeletStart[]; podsPerS: number }> {
  const watcher = new RunningWatcher(client);
  await watcher.start();
  const starts: KubeletStart[] = [];
  try {
    const podsPerS = await throughput(PODS_N, CONCURRENCY, async (i) => {
      const name = `startup-${i}`;
      const t0 = performance.now();
      await client.create<Pod>(PODS, NS, {
        metadata: { name },
        spec: {
          nodeName: NODE,
          terminationGracePeriodSeconds: 0,
          containers: [
            { name: "c", image: IMAGE, imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"] },
          ],
        },
      });
      const running = await watcher.running(name);
      starts.push({ name, created: epochMs(t0), running: epochMs(running) });
    });
    return { starts, podsPerS };
  } finally {
    watcher.stop();
  }
}

/**
 * Splits each kubelet start in three by containerd's timestamps: created →
 * sandbox createdAt (the apiserver, the watch, the kubelet's sync up to
 * RunPodSandbox), → container startedAt (the CRI's work), → Running seen by
 * the watcher (status write and watch).
 */
async function kubeletBreakdown(
  cri: CriClient,
  starts: readonly KubeletStart[],
): Promise<Record<"before" | "cri" | "after", ReturnType<typeof summarize>>> {
  const selector = { filter: { labelSelector: { "ktl.io/node-name": NODE } } };
  const [{ items = [] }, { containers = [] }] = await Promise.all([
    cri.listPodSandbox(selector),
    cri.listContainers(selector),
  ]);
  const sandboxAt = new Map<string, number>();
  for (const s of items) sandboxAt.set(s.metadata?.name ?? "", (s.createdAt ?? 0) / 1e6);
  const startedAt = new Map<string, number>();
  for (const c of containers) {
    const { status } = await cri.containerStatus({ containerId: c.id ?? "" });
    startedAt.set(c.labels?.["io.kubernetes.pod.name"] ?? "", (status?.startedAt ?? 0) / 1e6);
  }
  const before: number[] = [];
  const during: number[] = [];
  const after: number[] = [];
  for (const s of starts) {
    const sandbox = sandboxAt.get(s.name);
    const started = startedAt.get(s.name);
    if (!sandbox || !started) continue;
    before.push(sandbox - s.created);
    during.push(started - sandbox);
    after.push(s.running - started);
  }
  return { before: summarize(before), cri: summarize(during), after: summarize(after) };
}

interface RawPod {
  readonly sandboxId: string;
}

function rawConfigs(
  i: number,
  logsDir: string,
): { sandbox: PodSandboxConfig; container: (imageRef: string) => ContainerConfig } {
  const uid = randomUUID();
  const name = `raw-${i}`;
  // Not the kubelet's labels: the kubelet leaves objects without its node's label alone.
  const labels = { "ktl.io/bench": "startup", "ktl.io/bench-pod": name };
  const sandbox: PodSandboxConfig = {
    metadata: { name, namespace: NS, uid, attempt: 0 },
    hostname: name,
    logDirectory: join(logsDir, `${NS}_${name}_${uid}`),
    labels,
    annotations: {},
    portMappings: [],
    linux: {
      cgroupParent: `${CGROUP_ROOT}/pod${uid}`,
      securityContext: {
        namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
        privileged: false,
      },
    },
  };
  return {
    sandbox,
    container: (imageRef) => ({
      metadata: { name: "c", attempt: 0 },
      image: { image: imageRef, userSpecifiedImage: IMAGE },
      command: ["sleep", "3600"],
      envs: [],
      mounts: [],
      labels: { ...labels, "io.kubernetes.container.name": "c" },
      annotations: {},
      logPath: "c/0.log",
      stdin: false,
      stdinOnce: false,
      tty: false,
      linux: {
        resources: {},
        securityContext: {
          privileged: false,
          namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
        },
      },
    }),
  };
}

/** One pod straight through the CRI: RunPodSandbox + CreateContainer + StartContainer. */
async function rawStart(
  cri: CriClient,
  i: number,
  imageRef: string,
  logsDir: string,
  started: RawPod[],
): Promise<number> {
  const { sandbox, container } = rawConfigs(i, logsDir);
  await mkdir(sandbox.logDirectory ?? logsDir, { recursive: true });
  const call = { timeoutMs: POD_TIMEOUT_MS };
  const t0 = performance.now();
  const { podSandboxId = "" } = await cri.runPodSandbox({ config: sandbox }, call);
  started.push({ sandboxId: podSandboxId });
  const { containerId = "" } = await cri.createContainer(
    { podSandboxId, config: container(imageRef), sandboxConfig: sandbox },
    call,
  );
  await cri.startContainer({ containerId }, call);
  return performance.now() - t0;
}

async function removeRaw(cri: CriClient, pods: RawPod[]): Promise<void> {
  const ignoreMissing = (err: unknown): void => {
    if (!isNotFound(err)) throw err;
  };
  await Promise.all(
    pods.map(async ({ sandboxId }) => {
      const { containers = [] } = await cri.listContainers({ filter: { podSandboxId: sandboxId } });
      for (const c of containers) {
        await cri.stopContainer({ containerId: c.id ?? "", timeout: 0 }).catch(ignoreMissing);
        await cri.removeContainer({ containerId: c.id ?? "" }).catch(ignoreMissing);
      }
      await cri.stopPodSandbox({ podSandboxId: sandboxId }).catch(ignoreMissing);
      await cri.removePodSandbox({ podSandboxId: sandboxId }).catch(ignoreMissing);
    }),
  );
  pods.length = 0;
}

async function main(): Promise<void> {
  let etcd: EtcdServer | undefined;
  let apiserver: ApiserverProcess | undefined;
  let registry: RegistryServer | undefined;
  let containerd: ContainerdServer | undefined;
  let kubelet: KubeletProcess | undefined;
  let client: ApiClient | undefined;
  let cri: CriClient | undefined;
  let rootDir: string | undefined;
  const rawPods: RawPod[] = [];
  const hadGuard = await hostSafetyInstalled();
  try {
    await ensureHostSafety();
    etcd = await startEtcd();
    apiserver = await startApiserver({ etcd: etcd.endpoint });
    registry = await startRegistry();
    await seedImages({ registry: registry.address });
    containerd = await startContainerd({
      registry: registry.address,
      sandboxImage: sandboxImageRef(registry.address),
    });
    cri = new CriClient(`unix://${containerd.socket}`, { timeoutMs: POD_TIMEOUT_MS });
    client = new ApiClient(apiserver.grpcAddress);
    rootDir = await mkdtemp(join(tmpdir(), `ktl-kubelet-${NODE}-`));
    const kubeletStart = startKubelet({
      apiserver: apiserver.grpcAddress,
      nodeName: NODE,
      runtime: "cri",
      rootDir,
      containerd: { server: containerd, cgroupRoot: CGROUP_ROOT },
    });
    kubeletStart.catch(() => undefined);
    const c = client;
    await until("the Node to register", () => c.get<Node>(NODES, undefined, NODE), 30_000);
    await client.patch<Node>(NODES, undefined, NODE, { spec: { podCIDR: POD_CIDR, podCIDRs: [POD_CIDR] } });
    kubelet = await kubeletStart;

    // The image once, for both phases; then one raw pod to warm containerd and CNI.
    const { imageRef = "" } = await cri.pullImage({ image: { image: IMAGE } });
    const warm: RawPod[] = [];
    await rawStart(cri, -1, imageRef, containerd.logDir, warm);
    await removeRaw(cri, warm);

    const pids = { kubelet: kubelet.child.pid, containerd: containerd.child.pid };
    const cpu = async (): Promise<{ kubelet: number; containerd: number }> => ({
      kubelet: await cpuSeconds(pids.kubelet),
      containerd: await cpuSeconds(pids.containerd),
    });
    let before = await cpu();
    const kubeletRun = await kubeletPhase(client);
    let after = await cpu();
    const kubeletCpu = {
      kubelet: after.kubelet - before.kubelet,
      containerd: after.containerd - before.containerd,
    };
    // Where a kubelet start's time went, from containerd's own timestamps (ns, same clock):
    // created → sandbox created (API, watch, kubelet), → container started (CRI), → Running seen (status, watch).
    const breakdown = await kubeletBreakdown(cri, kubeletRun.starts);
    // Every kubelet pod gone from the API and from containerd before the raw phase.
    await Promise.all(
      Array.from({ length: PODS_N }, (_, i) =>
        c.delete(PODS, NS, `startup-${i}`, { gracePeriodSeconds: 0 }).catch(() => undefined),
      ),
    );
    const k = cri;
    await until(
      "the kubelet's pods to be removed",
      async () => {
        const [{ items = [] }, { items: api }] = await Promise.all([
          k.listPodSandbox({ filter: { labelSelector: { "ktl.io/node-name": NODE } } }),
          c.list<Pod>(PODS, NS),
        ]);
        return items.length === 0 && api.length === 0 ? true : undefined;
      },
      60_000,
    );

    const rawSamples: number[] = [];
    const logDir = containerd.logDir;
    before = await cpu();
    const rawPerS = await throughput(PODS_N, CONCURRENCY, async (i) => {
      rawSamples.push(await rawStart(k, i, imageRef, logDir, rawPods));
    });

    after = await cpu();
    const rawCpu = {
      kubelet: after.kubelet - before.kubelet,
      containerd: after.containerd - before.containerd,
    };
    const kube = summarize(kubeletRun.starts.map((s) => s.running - s.created));
    const raw = summarize(rawSamples);
    console.log(
      `\nkubelet pod startup, one node (containerd ${(await cri.version({ version: "v1" })).runtimeVersion ?? "?"}),` +
        ` ${PODS_N} pods busybox \`sleep 3600\`, ${CONCURRENCY} in flight`,
    );
    row("kubelet: bound pod created → Running (watch) p50 / p99 ms", `${fmt(kube.p50)} / ${fmt(kube.p99)}`);
    row("raw CRI: RunPodSandbox+Create+StartContainer p50 / p99 ms", `${fmt(raw.p50)} / ${fmt(raw.p99)}`);
    row("ratio kubelet / raw CRI p50 / p99", `${fmt(kube.p50 / raw.p50, 2)} / ${fmt(kube.p99 / raw.p99, 2)}`);
    row("pods started per second: kubelet / raw CRI", `${fmt(kubeletRun.podsPerS)} / ${fmt(rawPerS)}`);
    row(
      "kubelet p50 ms: created→RunPodSandbox / →started / →seen",
      `${fmt(breakdown.before.p50)} / ${fmt(breakdown.cri.p50)} / ${fmt(breakdown.after.p50)}`,
    );
    row(
      "CPU s, kubelet phase: kubelet / containerd",
      `${fmt(kubeletCpu.kubelet, 2)} / ${fmt(kubeletCpu.containerd, 2)}`,
    );
    row(
      "CPU s, raw CRI phase: kubelet (idle) / containerd",
      `${fmt(rawCpu.kubelet, 2)} / ${fmt(rawCpu.containerd, 2)}`,
    );
  } finally {
    const step = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        console.warn(`cleanup: ${what}: ${String(err)}`);
      }
    };
    if (cri) await step("raw pods", () => removeRaw(cri as CriClient, rawPods));
    if (client) {
      const c = client;
      await step("kubelet pods", async () => {
        const { items } = await c.list<Pod>(PODS, NS);
        await Promise.all(
          items.map((p) =>
            c.delete(PODS, NS, p.metadata?.name ?? "", { gracePeriodSeconds: 0 }).catch(() => undefined),
          ),
        );
      });
    }
    await step("kubelet", async () => kubelet?.stop());
    cri?.close();
    client?.close();
    await step("containerd", async () => containerd?.stop());
    await step("kubelet root", async () =>
      rootDir ? rm(rootDir, { recursive: true, force: true }) : undefined,
    );
    await step("cgroups", () => removeCgroups(CGROUP_ROOT));
    await step("cgroup parent", () => removeEmptyCgroup("/ktl-bench"));
    await step("portmap", () => removePortmapLeftovers());
    await step("host safety", async () => (hadGuard ? undefined : removeHostSafety()));
    await step("registry", async () => registry?.stop());
    await step("apiserver", async () => apiserver?.stop());
    await step("etcd", async () => etcd?.stop());
  }
}

const deadline = setTimeout(() => {
  console.error("startup benchmark: over its 5-minute bound, giving up");
  process.exit(1);
}, 300_000);
deadline.unref();
main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
