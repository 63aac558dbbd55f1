// The kubelet's pod lifecycle against a real etcd and apiserver, with the pod
// manager running in this process on the in-memory fake runtime (a hollow
// node): pods bound to the node run, crash-loop, fail, terminate and are
// adopted by a restarted manager, and their status is what a Kubernetes user
// would see.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { findResource, type Pod, type ResourceInfo } from "@ktl/api";
import { isNotFound } from "@ktl/apimachinery";
import { ApiClient } from "@ktl/client";
import type { Logger } from "@ktl/service";
import {
  FakeRuntime,
  NO_PROBES,
  readLogs,
  startPodManager,
  type PodManager,
} from "../../../services/kubelet/src/index.js";
import { useApiserver } from "../cluster.js";

const PODS = findResource("", "pods") as ResourceInfo;
const NODE = "hollow-1";
const NS = "default";
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const RFC3339_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

const cluster = useApiserver();
let client: ApiClient;
let dir: string;
let runtime: FakeRuntime;
let manager: PodManager | undefined;
let abort: AbortController;

beforeAll(async () => {
  client = new ApiClient(cluster.apiserver.grpcAddress);
  dir = await mkdtemp(join(tmpdir(), "ktl-kubelet-pods-"));
  runtime = new FakeRuntime({ podCidr: "10.77.1.0/24", writeLogs: true, defaultRunMs: 50 });
  manager = await start();
});

afterEach(() => {
  vi.useRealTimers();
});

afterAll(async () => {
  abort?.abort();
  await manager?.stop();
  runtime?.close();
  client?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<PodManager> {
  abort = new AbortController();
  return startPodManager({
    client,
    nodeName: NODE,
    nodeIp: "127.0.0.1",
    runtime,
    images: runtime.images,
    probes: NO_PROBES,
    podLogsDir: join(dir, "logs"),
    podsDir: join(dir, "pods"),
    cgroupParent: `/ktl/${NODE}`,
    crashLoopBackOff: { initialMs: 400, maxMs: 1600 },
    // ErrImagePull shows for half the first back-off (then ImagePullBackOff): long enough to see polling a busy machine.
    imagePullBackOff: { initialMs: 3000, maxMs: 6000 },
    log: quiet,
    signal: abort.signal,
    relistPeriodMs: 100,
  });
}

function pod(name: string, spec: Partial<NonNullable<Pod["spec"]>> = {}): Pod {
  return {
    metadata: { name, namespace: NS, labels: { test: "pods-fake-runtime" } },
    spec: { nodeName: NODE, containers: [{ name: "web", image: "nginx:1.27" }], ...spec },
  };
}

const get = (name: string): Promise<Pod> => client.get<Pod>(PODS, NS, name);
const eventually = <T>(check: () => Promise<T>, timeout = 20_000): Promise<T> =>
  vi.waitFor(check, { timeout, interval: 50 });

describe("pods on a hollow node", () => {
  it("runs a pod bound to the node and reports a status like Kubernetes'", async () => {
    const created = await client.create<Pod>(PODS, NS, pod("web"));
    const running = await eventually(async () => {
      const p = await get("web");
      expect(p.status?.phase).toBe("Running");
      return p;
    });
    const status = running.status ?? {};
    expect(status.podIP).toMatch(/^10\.77\.1\.\d+$/);
    expect(status.podIPs).toEqual([{ ip: status.podIP }]);
    expect(status).toMatchObject({
      hostIP: "127.0.0.1",
      hostIPs: [{ ip: "127.0.0.1" }],
      qosClass: "BestEffort",
    });
    expect(status.startTime).toMatch(RFC3339_SECONDS);
    expect(status.conditions?.map((c) => [c.type, c.status])).toEqual([
      ["PodReadyToStartContainers", "True"],
      ["Initialized", "True"],
      ["Ready", "True"],
      ["ContainersReady", "True"],
      ["PodScheduled", "True"],
    ]);
    for (const c of status.conditions ?? []) expect(c.lastTransitionTime).toMatch(RFC3339_SECONDS);
    const [web] = status.containerStatuses ?? [];
    expect(web).toMatchObject({
      name: "web",
      image: "nginx:1.27",
      ready: true,
      started: true,
      restartCount: 0,
    });
    expect(web?.state?.running?.startedAt).toMatch(RFC3339_SECONDS);
    expect(web?.containerID).toMatch(/^fake:\/\/[0-9a-f]{64}$/);
    expect(web?.imageID).toMatch(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    // runningPods() is as of the last relist.
    await eventually(() =>
      Promise.resolve(expect(manager?.runningPods().map((p) => p.uid)).toContain(created.metadata?.uid)),
    );

    // Its log is where Kubernetes puts it, and the fake runtime wrote to it.
    const location = await manager?.locateLog({
      namespace: NS,
      pod: "web",
      container: "web",
      previous: false,
    });
    expect(location?.path).toBe(
      join(dir, "logs", `${NS}_web_${created.metadata?.uid ?? ""}`, "web", "0.log"),
    );
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on("data", (chunk: Buffer) => chunks.push(chunk));
    await readLogs(location?.path ?? "", sink, {});
    expect(Buffer.concat(chunks).toString()).toBe("fake container web started\n");
  });

  it("ends a failing container in CrashLoopBackOff with a growing back-off", async () => {
    await client.create<Pod>(
      PODS,
      NS,
      pod("crasher", { containers: [{ name: "app", image: "fake/exit:1-50" }] }),
    );
    const messages = new Set<string>();
    await eventually(async () => {
      const app = (await get("crasher")).status?.containerStatuses?.[0];
      const message = app?.state?.waiting?.message;
      if (app?.state?.waiting?.reason === "CrashLoopBackOff" && message)
        messages.add(message.split(" ")[1] ?? "");
      expect([...messages]).toEqual(expect.arrayContaining(["400ms", "800ms"]));
    }, 30_000);
    const p = await get("crasher");
    const app = p.status?.containerStatuses?.[0];
    expect(p.status?.phase).toBe("Running");
    expect(app?.restartCount).toBeGreaterThanOrEqual(2);
    expect(app?.ready).toBe(false);
    expect(app?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(p.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ContainersNotReady",
      message: "containers with unready status: [app]",
    });
    const previous = await manager?.locateLog({
      namespace: NS,
      pod: "crasher",
      container: "app",
      previous: true,
    });
    expect(previous?.path).toMatch(/\/app\/\d+\.log$/);
  });

  it("shows ErrImagePull, then ImagePullBackOff, for an image that cannot be pulled", async () => {
    await client.create<Pod>(
      PODS,
      NS,
      pod("missing", { containers: [{ name: "web", image: "nonexistent:1" }] }),
    );
    const seen = new Set<string>();
    await eventually(async () => {
      const waiting = (await get("missing")).status?.containerStatuses?.[0]?.state?.waiting;
      if (waiting?.reason) seen.add(`${waiting.reason}: ${waiting.message ?? ""}`);
      expect([...seen]).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^ErrImagePull: rpc error: code = NotFound desc = failed to pull and unpack image/,
          ),
          'ImagePullBackOff: Back-off pulling image "nonexistent:1"',
        ]),
      );
    });
    expect((await get("missing")).status?.phase).toBe("Pending");
    await expect(
      manager?.locateLog({ namespace: NS, pod: "missing", container: "web", previous: false }),
    ).rejects.toThrow(/is waiting to start/);
  });

  it("fails a pod whose container fails under restartPolicy Never", async () => {
    await client.create<Pod>(
      PODS,
      NS,
      pod("job", { restartPolicy: "Never", containers: [{ name: "task", image: "fake/exit:2-50" }] }),
    );
    const failed = await eventually(async () => {
      const p = await get("job");
      expect(p.status?.phase).toBe("Failed");
      return p;
    });
    expect(failed.status?.containerStatuses?.[0]).toMatchObject({
      restartCount: 0,
      state: { terminated: { exitCode: 2, reason: "Error" } },
    });
    // Not restarted: one instance, and its sandbox is stopped.
    await new Promise((r) => setTimeout(r, 500));
    expect((await get("job")).status?.containerStatuses?.[0]?.restartCount).toBe(0);
    expect(manager?.runningPods().some((p) => p.name === "job")).toBe(false);
  });

  it("completes a graceful deletion: containers stopped, sandbox removed, object gone", async () => {
    const created = await client.create<Pod>(PODS, NS, pod("doomed", { terminationGracePeriodSeconds: 5 }));
    const uid = created.metadata?.uid ?? "";
    await eventually(async () => expect((await get("doomed")).status?.phase).toBe("Running"));
    const marked = await client.delete<Pod>(PODS, NS, "doomed", { gracePeriodSeconds: 3 });
    expect(marked.metadata?.deletionGracePeriodSeconds).toBe(3);
    await eventually(async () => {
      await expect(get("doomed")).rejects.toSatisfy(isNotFound);
    });
    const left = await runtime.listPodSandbox({
      filter: { labelSelector: { "io.kubernetes.pod.uid": uid } },
    });
    expect(left.items).toEqual([]);
  });

  it("kills the containers of a pod force-deleted from the API", async () => {
    const created = await client.create<Pod>(PODS, NS, pod("forced"));
    const uid = created.metadata?.uid ?? "";
    await eventually(async () => expect((await get("forced")).status?.phase).toBe("Running"));
    await client.delete<Pod>(PODS, NS, "forced", { gracePeriodSeconds: 0 });
    await eventually(async () => {
      const left = await runtime.listContainers({
        filter: { labelSelector: { "io.kubernetes.pod.uid": uid } },
      });
      expect(left.containers).toEqual([]);
    });
  });

  it("stops a container that ignores SIGTERM at once when a graceful deletion is forced", async () => {
    const created = await client.create<Pod>(
      PODS,
      NS,
      pod("stubborn", { containers: [{ name: "web", image: "fake/ignore-sigterm" }] }),
    );
    const uid = created.metadata?.uid ?? "";
    await eventually(async () => expect((await get("stubborn")).status?.phase).toBe("Running"));
    await client.delete<Pod>(PODS, NS, "stubborn", { gracePeriodSeconds: 60 });
    await new Promise((r) => setTimeout(r, 300));
    const running = await runtime.listContainers({
      filter: { labelSelector: { "io.kubernetes.pod.uid": uid }, state: { state: "CONTAINER_RUNNING" } },
    });
    expect(running.containers).toHaveLength(1);
    const forcedAt = Date.now();
    await client.delete<Pod>(PODS, NS, "stubborn", { gracePeriodSeconds: 0 });
    await eventually(async () => {
      const left = await runtime.listContainers({
        filter: { labelSelector: { "io.kubernetes.pod.uid": uid } },
      });
      expect(left.containers).toEqual([]);
    });
    expect(Date.now() - forcedAt).toBeLessThan(5000);
  });

  it("adopts running containers after a restart of the pod manager, without restarting them", async () => {
    await client.create<Pod>(PODS, NS, pod("steady"));
    const before = await eventually(async () => {
      const web = (await get("steady")).status?.containerStatuses?.[0];
      expect(web?.state?.running).toBeDefined();
      return web;
    });
    abort.abort();
    await manager?.stop();
    manager = await start();
    // Give the new manager several relists and syncs.
    await new Promise((r) => setTimeout(r, 800));
    const after = (await get("steady")).status?.containerStatuses?.[0];
    expect(after?.containerID).toBe(before?.containerID);
    expect(after?.restartCount).toBe(before?.restartCount);
    expect(after?.state?.running?.startedAt).toBe(before?.state?.running?.startedAt);
    const id = (before?.containerID ?? "").replace("fake://", "");
    expect((await runtime.containerStatus({ containerId: id })).status?.state).toBe("CONTAINER_RUNNING");
    expect(manager.podCount()).toBeGreaterThanOrEqual(1);
  });
});
