/**
 * The kubelet on a real containerd, one node for the whole file: pods are
 * created through the API already bound to it (as the scheduler would bind
 * them) and what runs is checked from the outside: HTTP from the host to the
 * pod IP, localhost between containers, crash-loop back-off, liveness
 * restarts, OOM kills, logs of the current and previous instance through the
 * apiserver, graceful deletion timing, image pull failures, init containers,
 * configMap volumes, and a kubelet restart that adopts what runs.
 * Needs root (containerd, CNI, cgroups, the host safety net).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type ConfigMap, type ContainerStatus, type Node, type Pod } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import { CriClient } from "@ktl/cri";
import {
  cidrContains,
  ensureHostSafety,
  hostSafetyInstalled,
  parseCidr,
  removeHostSafety,
  removePortmapLeftovers,
} from "@ktl/node-network";
import {
  removeCgroups,
  removeEmptyCgroup,
  startContainerd,
  startKubelet,
  type ContainerdServer,
  type KubeletProcess,
  until,
} from "@ktl/testing";
import { cleanupAll } from "../node/net-helpers.js";
import { useImageRegistry } from "../node/registry.js";
import { useApiserver } from "../cluster.js";

function resource(group: string, name: string): NonNullable<ReturnType<typeof findResource>> {
  const info = findResource(group, name);
  if (!info) throw new Error(`unknown resource ${name}`);
  return info;
}
const NODES = resource("", "nodes");
const PODS = resource("", "pods");
const CONFIGMAPS = resource("", "configmaps");
const NS = "default";
const id = randomBytes(4).toString("hex");
const NODE = `containers-${id}`;
/** Inside 100.64.240.0/20, apart from the other kubelet test files' /24s. */
const POD_CIDR = "100.64.246.0/24";
const CGROUP_ROOT = `/ktl-test/${id}`;

const registry = useImageRegistry();
const cluster = useApiserver();
let client: ApiClient;
let containerd: ContainerdServer | undefined;
let rootDir: string | undefined;
let kubelet: KubeletProcess | undefined;
let starting: Promise<KubeletProcess> | undefined;
let hadGuard = false;
const watchAbort = new AbortController();
const created: string[] = [];

// ---- the pod event recorder: every change of this node's pods, with the time it was seen ----

interface Seen {
  readonly type: string;
  readonly pod: Pod;
  /** performance.now() when the event arrived. */
  readonly at: number;
}
const seen: Seen[] = [];
const waiters = new Set<() => void>();
let watchError: unknown;

async function recordPodEvents(): Promise<void> {
  let resourceVersion: string | undefined;
  while (!watchAbort.signal.aborted) {
    try {
      const options = {
        fieldSelector: `spec.nodeName=${NODE}`,
        ...(resourceVersion ? { resourceVersion } : {}),
      };
      for await (const ev of client.watch<Pod>(PODS, NS, options, watchAbort.signal)) {
        if (ev.type === "ERROR" || ev.type === "BOOKMARK") {
          if (ev.type === "ERROR") resourceVersion = undefined;
          continue;
        }
        resourceVersion = ev.object.metadata?.resourceVersion ?? resourceVersion;
        seen.push({ type: ev.type, pod: ev.object, at: performance.now() });
        for (const w of [...waiters]) w();
      }
    } catch (err) {
      if (watchAbort.signal.aborted) return;
      watchError = err;
      await sleep(200);
    }
  }
}

const eventsOf = (name: string): Seen[] => seen.filter((e) => e.pod.metadata?.name === name);

/** The first event (already seen or still to come) of pod `name` that `match` accepts. */
function waitForEvent(
  name: string,
  match: (e: Seen) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const hit = eventsOf(name).find(match);
      if (!hit) return false;
      cleanup();
      resolve(hit);
      return true;
    };
    const timer = setTimeout(() => {
      cleanup();
      const last = eventsOf(name).at(-1)?.pod.status;
      reject(
        new Error(
          `timed out waiting for ${name}: ${what}; last status: ${JSON.stringify(last)}` +
            (watchError ? `; watch error: ${String(watchError)}` : ""),
        ),
      );
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      waiters.delete(onEvent);
    };
    const onEvent = (): void => void check();
    if (!check()) waiters.add(onEvent);
  });
}

const waitForPod = (name: string, match: (p: Pod) => boolean, what: string, timeoutMs?: number) =>
  waitForEvent(name, (e) => e.type !== "DELETED" && match(e.pod), what, timeoutMs).then((e) => e.pod);

// ---- helpers ----

async function createPod(pod: Pod): Promise<Pod> {
  const name = pod.metadata?.name ?? "";
  created.push(name);
  return client.create<Pod>(PODS, NS, {
    ...pod,
    metadata: { ...pod.metadata, namespace: NS },
    spec: { ...pod.spec, nodeName: NODE },
  });
}

const status = (p: Pod, container: string): ContainerStatus | undefined =>
  p.status?.containerStatuses?.find((s) => s.name === container);
const condition = (p: Pod, type: string): string | undefined =>
  p.status?.conditions?.find((c) => c.type === type)?.status;
const isReady = (p: Pod): boolean => p.status?.phase === "Running" && condition(p, "Ready") === "True";

/** This node's pod sandboxes in containerd (optionally one pod's), as the kubelet labels them. */
async function sandboxesOf(pod?: string): Promise<string[]> {
  if (!containerd) return [];
  const cri = new CriClient(`unix://${containerd.socket}`);
  try {
    const labels: Record<string, string> = {
      "ktl.io/node-name": NODE,
      ...(pod ? { "io.kubernetes.pod.name": pod } : {}),
    };
    const { items = [] } = await cri.listPodSandbox({ filter: { labelSelector: labels } });
    return items.map((s) => s.id ?? "");
  } finally {
    cri.close();
  }
}

/** Deletes a pod whose test is over and that would only keep the node busy (crash loops, restarts). */
async function removePod(name: string): Promise<void> {
  await client.delete(PODS, NS, name, { gracePeriodSeconds: 0 });
  await waitForEvent(name, (e) => e.type === "DELETED", "deleted", 20_000);
}

/** GET http://podIP:port/path from the host. */
async function httpGet(ip: string, port: number, path = "/"): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://${ip}:${port}${path}`, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: await res.text() };
}

/** pods/{name}/log through the apiserver (which asks the node's kubelet). */
async function podLog(
  name: string,
  query: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const qs = new URLSearchParams(query).toString();
  const res = await fetch(`${cluster.apiserver.url}/api/v1/namespaces/${NS}/pods/${name}/log?${qs}`, {
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.text() };
}

/** Short back-offs, so restarts and pull retries show within the test. */
const KUBELET_ARGS = [
  ...["--node-status-update-seconds", "1"],
  ...["--crash-loop-backoff-initial-seconds", "1", "--crash-loop-backoff-max-seconds", "8"],
  ...["--image-pull-backoff-initial-seconds", "2", "--image-pull-backoff-max-seconds", "8"],
];

function launchKubelet(c: ContainerdServer, dir: string): Promise<KubeletProcess> {
  starting = startKubelet({
    apiserver: cluster.apiserver.grpcAddress,
    nodeName: NODE,
    runtime: "cri",
    rootDir: dir,
    containerd: { server: c, cgroupRoot: CGROUP_ROOT },
    args: KUBELET_ARGS,
  });
  starting.catch(() => undefined); // awaited by the caller; afterAll stops it whatever happens
  return starting;
}

beforeAll(async () => {
  hadGuard = await hostSafetyInstalled();
  await ensureHostSafety();
  containerd = await startContainerd({ registry: registry.address, sandboxImage: registry.sandboxImage });
  client = new ApiClient(cluster.apiserver.grpcAddress);
  void recordPodEvents();
  rootDir = await mkdtemp(join(tmpdir(), `ktl-kubelet-${NODE}-`));
  const launched = launchKubelet(containerd, rootDir);
  await until("the Node to register", () => client.get<Node>(NODES, undefined, NODE));
  // What the controller-manager's node-ipam controller would do.
  await client.patch<Node>(NODES, undefined, NODE, { spec: { podCIDR: POD_CIDR, podCIDRs: [POD_CIDR] } });
  kubelet = await launched;
  await until("the Node to turn Ready", async () => {
    const node = await client.get<Node>(NODES, undefined, NODE);
    return node.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? node : undefined;
  });
}, 120_000);

afterAll(async () => {
  await cleanupAll(
    async () => {
      // Pods go first, through the kubelet, so containerd is not left with their sandboxes.
      if (!client) return;
      await Promise.all(
        created.map((name) =>
          client.delete(PODS, NS, name, { gracePeriodSeconds: 0 }).catch(() => undefined),
        ),
      );
      // The kubelet kills and removes what a force-deleted pod left; containerd.stop() removes the rest.
      await until(
        "the kubelet to remove the pods' sandboxes",
        async () => {
          const sandboxes = await sandboxesOf();
          return sandboxes.length === 0 ? true : undefined;
        },
        20_000,
      ).catch(() => undefined);
    },
    async () => {
      watchAbort.abort();
      const k = kubelet ?? (await starting?.catch(() => undefined));
      await k?.stop();
    },
    async () => client?.close(),
    () => containerd?.stop() ?? Promise.resolve(),
    () => (rootDir ? rm(rootDir, { recursive: true, force: true }) : Promise.resolve()),
    () => removeCgroups(CGROUP_ROOT),
    () => removeEmptyCgroup("/ktl-test"),
    () => removePortmapLeftovers(),
    () => (hadGuard ? Promise.resolve() : removeHostSafety()),
  );
}, 120_000);

// ---- the tests ----

describe("the kubelet running containers on containerd", () => {
  it("runs an httpd pod: Running and Ready, an IP from the node's range, answering the host", async () => {
    const before = Date.now();
    await createPod({
      metadata: { name: "web" },
      spec: {
        terminationGracePeriodSeconds: 2,
        containers: [
          {
            name: "httpd",
            image: "busybox",
            command: [
              "sh",
              "-c",
              'mkdir -p /www && echo "hello from $POD_NAME on $NODE_NAME" > /www/index.html && exec httpd -f -p 8080 -h /www',
            ],
            env: [
              { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
              {
                name: "NODE_NAME",
                valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } },
              },
            ],
            ports: [{ containerPort: 8080 }],
            readinessProbe: { httpGet: { path: "/", port: 8080 }, periodSeconds: 1 },
          },
        ],
      },
    });
    const pod = await waitForPod("web", isReady, "Running and Ready", 40_000);
    const ip = pod.status?.podIP ?? "";
    expect(cidrContains(parseCidr(POD_CIDR), ip)).toBe(true);
    expect(pod.status?.podIPs).toEqual([{ ip }]);
    expect(pod.status?.hostIP).toBe("127.0.0.1");
    expect(pod.status?.qosClass).toBe("BestEffort");
    for (const type of ["PodReadyToStartContainers", "Initialized", "ContainersReady", "PodScheduled"]) {
      expect(condition(pod, type), type).toBe("True");
    }

    const cs = status(pod, "httpd");
    expect(cs).toMatchObject({ name: "httpd", ready: true, started: true, restartCount: 0 });
    expect(cs?.image).toMatch(/busybox/);
    expect(cs?.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(cs?.imageID).toMatch(/busybox@sha256:[0-9a-f]{64}$/);
    const startedAt = Date.parse(cs?.state?.running?.startedAt ?? "");
    expect(cs?.state?.running?.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(startedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(startedAt).toBeLessThanOrEqual(Date.now());
    expect(cs?.lastState ?? {}).toEqual({});

    const res = await httpGet(ip, 8080);
    expect(res).toEqual({ status: 200, body: `hello from web on ${NODE}\n` });
  }, 60_000);

  it("lets two containers of one pod reach each other on localhost", async () => {
    await createPod({
      metadata: { name: "pair" },
      spec: {
        terminationGracePeriodSeconds: 2,
        containers: [
          {
            name: "server",
            image: "busybox",
            // Written into the server's own filesystem: the client can only get it over the network.
            command: [
              "sh",
              "-c",
              "mkdir /www && echo pong-$(hostname) > /www/index.html && exec httpd -f -p 8080 -h /www",
            ],
          },
          {
            name: "client",
            image: "busybox",
            command: [
              "sh",
              "-c",
              "until wget -qO- http://localhost:8080/; do sleep 0.2; done; echo fetched; exec sleep 3600",
            ],
          },
        ],
      },
    });
    await waitForPod("pair", isReady, "Running and Ready", 40_000);
    const log = await until("the client's log", async () => {
      const r = await podLog("pair", { container: "client" });
      return r.status === 200 && r.body.includes("fetched") ? r.body : undefined;
    });
    expect(log).toBe("pong-pair\nfetched\n");
    // The server printed nothing: httpd -f logs nothing without -v.
    expect(await podLog("pair", { container: "server" })).toEqual({ status: 200, body: "" });
  }, 60_000);

  it("backs off a crashing container with growing delays: CrashLoopBackOff, exit code 3", async () => {
    await createPod({
      metadata: { name: "crash" },
      spec: {
        terminationGracePeriodSeconds: 2,
        containers: [{ name: "crash", image: "busybox", command: ["sh", "-c", "echo boom; exit 3"] }],
      },
    });
    // When each restart count was first seen.
    const firstSeen = new Map<number, number>();
    const messages: string[] = [];
    const record = (e: Seen): void => {
      const cs = status(e.pod, "crash");
      const n = cs?.restartCount ?? 0;
      if (!firstSeen.has(n)) firstSeen.set(n, e.at);
      const waiting = cs?.state?.waiting;
      if (waiting?.reason === "CrashLoopBackOff" && waiting.message && !messages.includes(waiting.message)) {
        messages.push(waiting.message);
      }
    };
    const last = await waitForEvent(
      "crash",
      (e) => {
        record(e);
        return (status(e.pod, "crash")?.restartCount ?? 0) >= 4;
      },
      "restart count 4",
      40_000,
    );
    for (const e of eventsOf("crash")) record(e);
    const gaps = [1, 2, 3].map((n) => (firstSeen.get(n + 1) ?? NaN) - (firstSeen.get(n) ?? NaN));
    // Back-off 1 s, 2 s, 4 s between the restarts (plus start-up and sync time).
    expect(gaps[0]).toBeGreaterThanOrEqual(900);
    expect(gaps[1]).toBeGreaterThanOrEqual(1900);
    expect(gaps[2]).toBeGreaterThanOrEqual(3900);
    expect(gaps[2]).toBeLessThan(7000);
    expect(gaps[1]).toBeGreaterThan(gaps[0] ?? Infinity);
    expect(gaps[2]).toBeGreaterThan(gaps[1] ?? Infinity);
    const delays = messages.map(
      (m) => /^back-off (\d+)s restarting failed container=crash pod=crash_default\(/.exec(m)?.[1],
    );
    expect(delays).toEqual(expect.arrayContaining(["2", "4"]));
    expect(delays.indexOf("4")).toBeGreaterThan(delays.indexOf("2"));

    const cs = status(last.pod, "crash");
    expect(cs?.lastState?.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
    expect(cs?.lastState?.terminated?.containerID).toMatch(/^containerd:\/\//);
    expect(last.pod.status?.phase).toBe("Running");
    const backingOff = await waitForPod(
      "crash",
      (p) =>
        status(p, "crash")?.state?.waiting?.reason === "CrashLoopBackOff" &&
        (status(p, "crash")?.restartCount ?? 0) >= 4,
      "CrashLoopBackOff after 4 restarts",
    );
    expect(status(backingOff, "crash")?.ready).toBe(false);
    expect(backingOff.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ContainersNotReady",
      message: "containers with unready status: [crash]",
    });
    expect((await podLog("crash", { container: "crash" })).body).toBe("boom\n");
    await removePod("crash");
  }, 60_000);

  it("restarts a container whose liveness probe fails", async () => {
    await createPod({
      metadata: { name: "liveness" },
      spec: {
        terminationGracePeriodSeconds: 2,
        containers: [
          {
            name: "app",
            image: "busybox",
            command: ["sh", "-c", "touch /tmp/healthy; sleep 2; rm /tmp/healthy; exec sleep 3600"],
            livenessProbe: {
              exec: { command: ["cat", "/tmp/healthy"] },
              periodSeconds: 1,
              failureThreshold: 1,
            },
          },
        ],
      },
    });
    const running = await waitForPod("liveness", isReady, "Running", 40_000);
    const firstId = status(running, "app")?.containerID;
    const restarted = await waitForPod(
      "liveness",
      (p) =>
        (status(p, "app")?.restartCount ?? 0) >= 1 && status(p, "app")?.lastState?.terminated !== undefined,
      "a restart",
      30_000,
    );
    const cs = status(restarted, "app");
    // sleep as PID 1 ignores SIGTERM: killed after the 2 s grace period.
    expect(cs?.lastState?.terminated).toMatchObject({ exitCode: 137, reason: "Error", containerID: firstId });
    const stoppedAfter =
      Date.parse(cs?.lastState?.terminated?.finishedAt ?? "") -
      Date.parse(cs?.lastState?.terminated?.startedAt ?? "");
    expect(stoppedAfter).toBeGreaterThanOrEqual(3000); // 2 s healthy, probe failure, 2 s grace
    expect(stoppedAfter).toBeLessThan(10_000);
    await removePod("liveness");
  }, 60_000);

  it("reports a container killed over its memory limit as OOMKilled", async () => {
    await createPod({
      metadata: { name: "hog" },
      spec: {
        restartPolicy: "Never",
        terminationGracePeriodSeconds: 2,
        containers: [
          {
            name: "hog",
            image: "busybox",
            // One 64 MiB buffer filled from /dev/zero, in a 32 MiB cgroup.
            command: ["dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"],
            resources: { limits: { memory: "32Mi" } },
          },
        ],
      },
    });
    const done = await waitForPod("hog", (p) => p.status?.phase === "Failed", "Failed", 40_000);
    // A memory limit alone (requests default to it, no CPU) makes the pod Burstable.
    expect(done.status?.qosClass).toBe("Burstable");
    expect(status(done, "hog")?.state?.terminated).toMatchObject({ reason: "OOMKilled", exitCode: 137 });
    expect(status(done, "hog")?.restartCount).toBe(0);
    await removePod("hog");
  }, 60_000);

  it("serves the current and the previous instance's log, with tailLines", async () => {
    await createPod({
      metadata: { name: "logs" },
      spec: {
        terminationGracePeriodSeconds: 2,
        volumes: [{ name: "state", emptyDir: {} }],
        containers: [
          {
            name: "app",
            image: "busybox",
            volumeMounts: [{ name: "state", mountPath: "/state" }],
            // The emptyDir outlives the first instance: the second one knows it is the second.
            command: [
              "sh",
              "-c",
              "if [ -f /state/ran ]; then echo second-run; for i in 1 2 3 4 5; do echo line-$i; done; exec sleep 3600; " +
                // stdout and stderr are separate pipes: the pause keeps their order in the log.
                "else touch /state/ran; echo first-run; sleep 1; echo first-bye >&2; exit 1; fi",
            ],
          },
        ],
      },
    });
    await waitForPod(
      "logs",
      (p) => isReady(p) && status(p, "app")?.restartCount === 1,
      "running again after one restart",
      30_000,
    );
    const current = await until("the second instance's whole log", async () => {
      const r = await podLog("logs", { container: "app" });
      return r.body.includes("line-5") ? r : undefined;
    });
    expect(current).toEqual({ status: 200, body: "second-run\nline-1\nline-2\nline-3\nline-4\nline-5\n" });
    expect(await podLog("logs", { container: "app", previous: "true" })).toEqual({
      status: 200,
      body: "first-run\nfirst-bye\n",
    });
    expect(await podLog("logs", { container: "app", tailLines: "2" })).toEqual({
      status: 200,
      body: "line-4\nline-5\n",
    });
    expect(await podLog("logs", { container: "app", previous: "true", tailLines: "1" })).toEqual({
      status: 200,
      body: "first-bye\n",
    });
    // The web pod never restarted: it has no previous instance.
    const none = await podLog("web", { container: "httpd", previous: "true" });
    expect(none.status).toBe(400);
    expect(none.body).toContain('previous terminated container \\"httpd\\" in pod \\"web\\" not found');
  }, 60_000);

  it("gives a container that traps SIGTERM the time it takes to exit before the pod goes", async () => {
    await createPod({
      metadata: { name: "graceful" },
      spec: {
        terminationGracePeriodSeconds: 30,
        containers: [
          {
            name: "app",
            image: "busybox",
            command: [
              "sh",
              "-c",
              "trap 'echo got TERM; sleep 2; echo bye; exit 0' TERM; echo ready; sleep 3600 & wait",
            ],
          },
        ],
      },
    });
    await waitForPod("graceful", isReady, "Running", 40_000);
    await until("the trap to be set", async () =>
      (await podLog("graceful", { container: "app" })).body === "ready\n" ? true : undefined,
    );
    const t0 = performance.now();
    await client.delete(PODS, NS, "graceful");
    await sleep(1000);
    // Still there, marked for deletion, while the container finishes.
    const terminating = await client.get<Pod>(PODS, NS, "graceful");
    expect(terminating.metadata?.deletionTimestamp).toBeTruthy();
    expect(terminating.metadata?.deletionGracePeriodSeconds).toBe(30);
    // The container got SIGTERM and is running its trap.
    expect(await podLog("graceful", { container: "app" })).toEqual({
      status: 200,
      body: "ready\ngot TERM\n",
    });
    const gone = await waitForEvent("graceful", (e) => e.type === "DELETED", "deleted", 20_000);
    const elapsed = gone.at - t0;
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    // Well before the 30 s grace period: the kubelet did not wait once the container had exited.
    expect(elapsed).toBeLessThan(10_000);
    // The last status written before the pod went: the container ran its trap and exited 0.
    const final = eventsOf("graceful")
      .filter((e) => e.type === "MODIFIED")
      .at(-1)?.pod;
    expect(final && status(final, "app")?.state?.terminated).toMatchObject({
      exitCode: 0,
      reason: "Completed",
    });
    // The pod object went last: its sandbox and its log directory were already gone.
    expect(await sandboxesOf("graceful")).toEqual([]);
    expect((await readdir(containerd?.logDir ?? "")).filter((d) => d.startsWith(`${NS}_graceful_`))).toEqual(
      [],
    );
  }, 60_000);

  it("kills a container that ignores SIGTERM once its grace period is over", async () => {
    await createPod({
      metadata: { name: "stubborn" },
      spec: {
        terminationGracePeriodSeconds: 3,
        containers: [
          {
            name: "app",
            image: "busybox",
            command: ["sh", "-c", "trap '' TERM; echo ready; while true; do sleep 1; done"],
          },
        ],
      },
    });
    await waitForPod("stubborn", isReady, "Running", 40_000);
    await until("the trap to be set", async () =>
      (await podLog("stubborn", { container: "app" })).body === "ready\n" ? true : undefined,
    );
    const t0 = performance.now();
    await client.delete(PODS, NS, "stubborn");
    await sleep(2000);
    const terminating = await client.get<Pod>(PODS, NS, "stubborn");
    expect(terminating.metadata?.deletionTimestamp).toBeTruthy();
    expect(status(terminating, "app")?.state?.running).toBeDefined();
    const gone = await waitForEvent("stubborn", (e) => e.type === "DELETED", "deleted", 20_000);
    const elapsed = gone.at - t0;
    expect(elapsed).toBeGreaterThanOrEqual(3000);
    expect(elapsed).toBeLessThan(8000);
    const final = eventsOf("stubborn")
      .filter((e) => e.type === "MODIFIED")
      .at(-1)?.pod;
    expect(final?.metadata?.deletionGracePeriodSeconds).toBe(3);
    expect(final && status(final, "app")?.state?.terminated).toMatchObject({
      exitCode: 137,
      reason: "Error",
    });
  }, 60_000);

  it("reports ErrImagePull, then ImagePullBackOff, for an image the registry does not have", async () => {
    await createPod({
      metadata: { name: "noimage" },
      spec: {
        terminationGracePeriodSeconds: 2,
        containers: [{ name: "app", image: "busybox-does-not-exist:1", command: ["sleep", "3600"] }],
      },
    });
    const waiting = (p: Pod) => status(p, "app")?.state?.waiting;
    const pulled = await waitForPod("noimage", (p) => waiting(p)?.reason === "ErrImagePull", "ErrImagePull");
    expect(waiting(pulled)?.message).toContain("busybox-does-not-exist:1");
    expect(pulled.status?.phase).toBe("Pending");
    const backoff = await waitForPod(
      "noimage",
      (p) => waiting(p)?.reason === "ImagePullBackOff",
      "ImagePullBackOff",
    );
    expect(waiting(backoff)?.message).toBe('Back-off pulling image "busybox-does-not-exist:1"');
    expect(backoff.status?.phase).toBe("Pending");
    expect(status(backoff, "app")).toMatchObject({ ready: false, started: false, restartCount: 0 });
    // The first ImagePullBackOff comes after the first ErrImagePull.
    const reasons = eventsOf("noimage").map((e) => waiting(e.pod)?.reason);
    expect(reasons.indexOf("ErrImagePull")).toBeLessThan(reasons.indexOf("ImagePullBackOff"));
    // Once the 2 s back-off is over the kubelet pulls again, and fails again.
    const firstBackoff = eventsOf("noimage").find((e) => waiting(e.pod)?.reason === "ImagePullBackOff");
    const again = await waitForEvent(
      "noimage",
      (e) => e.at > (firstBackoff?.at ?? Infinity) && waiting(e.pod)?.reason === "ErrImagePull",
      "a second ErrImagePull",
      15_000,
    );
    expect(again.at - (firstBackoff?.at ?? 0)).toBeGreaterThanOrEqual(1500);
    await removePod("noimage");
  }, 60_000);

  it("runs init containers to completion, in order, before the app container serves their work", async () => {
    await createPod({
      metadata: { name: "init" },
      spec: {
        terminationGracePeriodSeconds: 2,
        volumes: [{ name: "www", emptyDir: {} }],
        initContainers: [
          {
            name: "first",
            image: "busybox",
            command: ["sh", "-c", "echo first > /www/index.html; sleep 1"],
            volumeMounts: [{ name: "www", mountPath: "/www" }],
          },
          {
            name: "second",
            image: "busybox",
            command: ["sh", "-c", "echo second >> /www/index.html"],
            volumeMounts: [{ name: "www", mountPath: "/www" }],
          },
        ],
        containers: [
          {
            name: "web",
            image: "busybox",
            command: ["httpd", "-f", "-p", "8080", "-h", "/www"],
            volumeMounts: [{ name: "www", mountPath: "/www" }],
            readinessProbe: { httpGet: { path: "/", port: 8080 }, periodSeconds: 1 },
          },
        ],
      },
    });
    const pod = await waitForPod("init", isReady, "Running and Ready", 40_000);
    const inits = pod.status?.initContainerStatuses ?? [];
    expect(inits.map((s) => s.name)).toEqual(["first", "second"]);
    for (const s of inits) {
      expect(s.state?.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
      expect(s.ready).toBe(true);
    }
    const first = Date.parse(inits[0]?.state?.terminated?.finishedAt ?? "");
    const second = Date.parse(inits[1]?.state?.terminated?.startedAt ?? "");
    expect(second).toBeGreaterThanOrEqual(first);
    // While the init containers ran, the pod was Pending with the app container PodInitializing.
    const early = eventsOf("init").find((e) => e.pod.status?.phase === "Pending" && status(e.pod, "web"));
    expect(early && status(early.pod, "web")?.state?.waiting?.reason).toBe("PodInitializing");
    expect(await httpGet(pod.status?.podIP ?? "", 8080)).toEqual({ status: 200, body: "first\nsecond\n" });
  }, 60_000);

  it("mounts a configMap volume", async () => {
    await client.create<ConfigMap>(CONFIGMAPS, NS, {
      metadata: { name: "site" },
      data: { "index.html": "from a configmap\n", "other.txt": "other\n" },
    });
    await createPod({
      metadata: { name: "cm" },
      spec: {
        terminationGracePeriodSeconds: 2,
        volumes: [{ name: "site", configMap: { name: "site" } }],
        containers: [
          {
            name: "web",
            image: "busybox",
            command: ["httpd", "-f", "-p", "8080", "-h", "/www"],
            volumeMounts: [{ name: "site", mountPath: "/www" }],
            readinessProbe: { httpGet: { path: "/", port: 8080 }, periodSeconds: 1 },
          },
        ],
      },
    });
    const pod = await waitForPod("cm", isReady, "Running and Ready", 40_000);
    const ip = pod.status?.podIP ?? "";
    expect(await httpGet(ip, 8080)).toEqual({ status: 200, body: "from a configmap\n" });
    expect(await httpGet(ip, 8080, "/other.txt")).toEqual({ status: 200, body: "other\n" });
  }, 60_000);

  it("adopts the running pods when the kubelet restarts: same containers, no restarts", async () => {
    // What runs now: every container instance of every pod, init containers included.
    const snapshot = async (): Promise<Record<string, unknown>> => {
      const out: Record<string, unknown> = {};
      for (const name of ["web", "pair", "logs", "init", "cm"]) {
        const p = await client.get<Pod>(PODS, NS, name);
        out[name] = {
          phase: p.status?.phase,
          podIP: p.status?.podIP,
          ready: condition(p, "Ready"),
          containers: [
            ...(p.status?.initContainerStatuses ?? []),
            ...(p.status?.containerStatuses ?? []),
          ].map((c) => ({
            name: c.name,
            containerID: c.containerID,
            restartCount: c.restartCount,
            state: c.state,
            ready: c.ready,
          })),
        };
      }
      return out;
    };
    const before = await snapshot();
    const web = await client.get<Pod>(PODS, NS, "web");
    expect(isReady(web)).toBe(true);
    const ip = web.status?.podIP ?? "";
    const oldPort = kubelet?.port;

    const previous = kubelet;
    kubelet = undefined;
    await previous?.stop();
    // Nothing stopped with it.
    expect((await httpGet(ip, 8080)).status).toBe(200);

    if (!containerd || !rootDir) throw new Error("no containerd");
    const since = seen.length;
    kubelet = await launchKubelet(containerd, rootDir);
    // Let the new kubelet relist, sync and probe a few times. Like Kubernetes' kubelet
    // (kubernetes#100277, KEP-4781), a new prober starts a readiness-probed container
    // as not ready until its first probe, so a probed pod may flap to not Ready for a moment.
    await sleep(3000);
    let last: Record<string, unknown> = {};
    await until(
      "the same status as before the restart",
      async () => {
        last = await snapshot();
        return JSON.stringify(last) === JSON.stringify(before) ? true : undefined;
      },
      15_000,
    ).catch(() => undefined);
    expect(last).toEqual(before);
    expect(await httpGet(ip, 8080)).toEqual({ status: 200, body: `hello from web on ${NODE}\n` });
    // No status it wrote since its start said otherwise, not even for a moment.
    for (const e of seen.slice(since)) {
      const name = e.pod.metadata?.name ?? "";
      const was = before[name] as {
        containers: { name: string; containerID: string; restartCount: number }[];
      };
      const statuses = [
        ...(e.pod.status?.initContainerStatuses ?? []),
        ...(e.pod.status?.containerStatuses ?? []),
      ];
      expect(
        statuses.map((c) => ({ name: c.name, containerID: c.containerID, restartCount: c.restartCount })),
        name,
      ).toEqual(
        was.containers.map((c) => ({
          name: c.name,
          containerID: c.containerID,
          restartCount: c.restartCount,
        })),
      );
    }

    // The new kubelet is in charge: the Node points at its port, its log server answers.
    expect(kubelet.port).not.toBe(oldPort);
    const node = await client.get<Node>(NODES, undefined, NODE);
    expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(kubelet.port);
    expect(await podLog("pair", { container: "client" })).toEqual({
      status: 200,
      body: "pong-pair\nfetched\n",
    });
    expect((await podLog("logs", { container: "app", previous: "true" })).body).toBe(
      "first-run\nfirst-bye\n",
    );
    // ...and it still starts new pods.
    await createPod({
      metadata: { name: "after-restart" },
      spec: {
        terminationGracePeriodSeconds: 2,
        containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }],
      },
    });
    await waitForPod("after-restart", isReady, "Running", 30_000);
  }, 60_000);
});
