import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { findResource, type ConfigMap, type Pod, type ResourceInfo } from "@ktl/api";
import { FakeApiClient } from "@ktl/client";
import type { Logger } from "@ktl/service";
import { FakeRuntime } from "../runtime/fake/fake-runtime.js";
import { Backoff } from "./backoff.js";
import { configMapGetter } from "./config-maps.js";
import { makeLogLocator } from "./log-locator.js";
import type { PodEventRecorder } from "./pod-events.js";
import { newPodRecord, type PodRecord } from "./pod-record.js";
import { syncPod, type SyncDeps, type SyncResult } from "./pod-sync.js";
import { NO_PROBES, type ProbeResults } from "./probe-results.js";
import { StatusWriter } from "./status-writer.js";

const PODS = findResource("", "pods") as ResourceInfo;
const CONFIGMAPS = findResource("", "configmaps") as ResourceInfo;
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let dir: string;
let runtime: FakeRuntime;
let client: FakeApiClient;
let deps: SyncDeps;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ktl-pod-sync-"));
  runtime = new FakeRuntime({ podCidr: "10.88.3.0/24", defaultRunMs: 20 });
  client = new FakeApiClient();
  deps = makeDeps(NO_PROBES);
});

afterEach(async () => {
  runtime.close();
  await rm(dir, { recursive: true, force: true });
});

function makeDeps(probes: ProbeResults): SyncDeps {
  return {
    runtime,
    images: runtime.images,
    probes,
    statusWriter: new StatusWriter(client),
    client,
    crashBackoff: new Backoff(200, 800),
    imageBackoff: new Backoff(200, 800),
    getConfigMap: configMapGetter(client, 0),
    nodeIp: "127.0.0.9",
    memoryCapacity: 8 * 1024 ** 3,
    allocatable: { cpu: "2", memory: "8Gi" },
    now: Date.now,
    call: {},
    podLogsDir: join(dir, "logs"),
    podsDir: join(dir, "pods"),
    cgroupParent: "/ktl/node-1",
    runtimeName: "containerd",
    log: quiet,
  };
}

function podSpec(spec: Partial<NonNullable<Pod["spec"]>> = {}, name = "web-abc"): Pod {
  return {
    metadata: { name, namespace: "default", uid: `uid-${name}`, labels: { app: "web" } },
    spec: {
      nodeName: "node-1",
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      containers: [{ name: "web", image: "nginx:1.27" }],
      ...spec,
    },
    status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "True" }] },
  };
}

/** A pod in the fake API and its record, synced like the pod worker would. */
function track(pod: Pod): {
  record: PodRecord;
  sync: () => Promise<SyncResult>;
  stored: () => Pod | undefined;
} {
  client.seed(PODS, pod);
  const meta = pod.metadata ?? {};
  const record = newPodRecord(meta.uid ?? "", meta.namespace ?? "", meta.name ?? "");
  const stored = (): Pod | undefined => client.stored<Pod>(PODS, meta.namespace, meta.name ?? "");
  return {
    record,
    stored,
    sync: () => {
      record.pod = stored();
      return syncPod(deps, record);
    },
  };
}

/** A recorder that keeps what it is told: "Type Reason fieldPath: message". */
function fakeRecorder(): PodEventRecorder & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    event: (object, type, reason, fmt, ...args) => {
      const fieldPath = "fieldPath" in object ? (object.fieldPath ?? "") : "";
      lines.push(`${type} ${reason} ${fieldPath}: ${args.length > 0 ? String(args) : fmt}`);
    },
  };
}

const containers = async (state?: "CONTAINER_RUNNING" | "CONTAINER_EXITED") =>
  (await runtime.listContainers(state ? { filter: { state: { state } } } : {})).containers ?? [];

describe("syncPod", () => {
  it("starts a new pod: sandbox, image, container with Kubernetes' labels, then reports it Running", async () => {
    client.seed(CONFIGMAPS, {
      metadata: { name: "cfg", namespace: "default" },
      data: { "app.conf": "x=1" },
    } as ConfigMap);
    const { sync, stored } = track(
      podSpec({
        volumes: [
          { name: "scratch", emptyDir: {} },
          {
            name: "config",
            configMap: { name: "cfg", items: [{ key: "app.conf", path: "conf/app.conf", mode: 0o600 }] },
          },
        ],
        containers: [
          {
            name: "web",
            image: "nginx:1.27",
            command: ["nginx"],
            args: ["-g", "$(OPTS)"],
            env: [
              { name: "OPTS", value: "daemon off;" },
              { name: "MY_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
            ],
            ports: [{ containerPort: 80, hostPort: 8080, protocol: "TCP" }],
            resources: { requests: { cpu: "500m" }, limits: { cpu: "1", memory: "256Mi" } },
            volumeMounts: [
              { name: "scratch", mountPath: "/scratch" },
              { name: "config", mountPath: "/etc/app" },
            ],
          },
        ],
      }),
    );
    const createSandbox = vi.spyOn(runtime, "runPodSandbox");
    const createContainer = vi.spyOn(runtime, "createContainer");
    await sync();

    const sandboxConfig = createSandbox.mock.calls[0]?.[0].config;
    expect(sandboxConfig).toMatchObject({
      metadata: { name: "web-abc", namespace: "default", uid: "uid-web-abc", attempt: 0 },
      hostname: "web-abc",
      logDirectory: join(dir, "logs", "default_web-abc_uid-web-abc"),
      portMappings: [{ protocol: "TCP", containerPort: 80, hostPort: 8080, hostIp: "" }],
      labels: {
        app: "web",
        "io.kubernetes.pod.name": "web-abc",
        "io.kubernetes.pod.namespace": "default",
        "io.kubernetes.pod.uid": "uid-web-abc",
        "ktl.io/node-name": "node-1",
      },
      linux: {
        cgroupParent: "/ktl/node-1/poduid-web-abc",
        securityContext: { namespaceOptions: { network: "POD" } },
      },
    });
    const config = createContainer.mock.calls[0]?.[0].config;
    expect(config).toMatchObject({
      metadata: { name: "web", attempt: 0 },
      image: { userSpecifiedImage: "nginx:1.27" },
      command: ["nginx"],
      args: ["-g", "daemon off;"],
      envs: [
        { key: "OPTS", value: "daemon off;" },
        { key: "MY_IP", value: "10.88.3.2" },
      ],
      logPath: "web/0.log",
      labels: { "io.kubernetes.container.name": "web", "io.kubernetes.pod.uid": "uid-web-abc" },
      annotations: {
        "io.kubernetes.container.restartCount": "0",
        "io.kubernetes.pod.terminationGracePeriod": "30",
      },
      linux: {
        resources: {
          cpuShares: 512,
          cpuQuota: 100_000,
          cpuPeriod: 100_000,
          memoryLimitInBytes: 256 * 1024 * 1024,
        },
      },
    });
    expect(config?.image?.image).toMatch(/^sha256:/);
    const volumes = join(dir, "pods", "uid-web-abc", "volumes");
    expect(config?.mounts).toEqual([
      expect.objectContaining({
        containerPath: "/scratch",
        hostPath: join(volumes, "kubernetes.io~empty-dir/scratch"),
        readonly: false,
      }),
      expect.objectContaining({
        containerPath: "/etc/app",
        hostPath: join(volumes, "kubernetes.io~configmap/config"),
        readonly: true,
      }),
    ]);
    const confFile = join(volumes, "kubernetes.io~configmap/config/conf/app.conf");
    expect(await readFile(confFile, "utf8")).toBe("x=1");
    expect((await stat(confFile)).mode & 0o777).toBe(0o600);

    const status = stored()?.status;
    expect(status).toMatchObject({
      phase: "Running",
      podIP: "10.88.3.2",
      hostIP: "127.0.0.9",
      qosClass: "Burstable",
      containerStatuses: [{ name: "web", ready: true, started: true, restartCount: 0, image: "nginx:1.27" }],
    });
    expect(status?.containerStatuses?.[0]?.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(status?.containerStatuses?.[0]?.imageID).toMatch(/^docker\.io\/library\/nginx@sha256:/);
    expect(status?.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual([
      "PodReadyToStartContainers=True",
      "Initialized=True",
      "Ready=True",
      "ContainersReady=True",
      "PodScheduled=True",
    ]);

    // A second sync changes nothing: no new containers, no status write.
    const writes = client.writes().length;
    await sync();
    expect(await containers()).toHaveLength(1);
    expect(client.writes()).toHaveLength(writes);
  });

  it("restarts a failing container with a growing back-off, reported as CrashLoopBackOff", async () => {
    const { sync, stored, record } = track(
      podSpec({ containers: [{ name: "web", image: "fake/exit:1-10" }] }),
    );
    await sync();
    await sleep(30);
    await sync(); // the first restart happens at once
    expect((await containers()).length).toBe(2);
    await sleep(30);
    const backedOff = await sync();
    const web = stored()?.status?.containerStatuses?.[0];
    expect(web).toMatchObject({
      restartCount: 1,
      ready: false,
      state: {
        waiting: {
          reason: "CrashLoopBackOff",
          message: "back-off 200ms restarting failed container=web pod=web-abc_default(uid-web-abc)",
        },
      },
      lastState: { terminated: { exitCode: 1, reason: "Error" } },
    });
    expect(stored()?.status?.phase).toBe("Running");
    expect(backedOff.requeueAfterMs).toBeGreaterThan(100);
    expect(backedOff.requeueAfterMs).toBeLessThanOrEqual(200);
    await sleep(backedOff.requeueAfterMs ?? 0);
    await sync();
    // Only the newest dead instance is kept besides the new one.
    expect((await containers()).length).toBe(2);
    expect(record.failures.has("web")).toBe(false);
    await sleep(30);
    const next = await sync();
    expect(stored()?.status?.containerStatuses?.[0]?.state?.waiting?.message).toMatch(
      /^back-off 400ms restarting/,
    );
    expect(stored()?.status?.containerStatuses?.[0]?.restartCount).toBe(2);
    expect(next.requeueAfterMs).toBeGreaterThan(300);
  });

  it("fails a pod whose container fails under restartPolicy Never, and starts nothing again", async () => {
    const { sync, stored } = track(
      podSpec({ restartPolicy: "Never", containers: [{ name: "job", image: "fake/exit:3-5" }] }),
    );
    await sync();
    await sleep(20);
    await sync();
    expect(stored()?.status).toMatchObject({
      phase: "Failed",
      containerStatuses: [
        { name: "job", ready: false, state: { terminated: { exitCode: 3, reason: "Error" } } },
      ],
    });
    expect(stored()?.status?.podIP).toBe("10.88.3.2");
    expect(runtime.stats()).toMatchObject({ readySandboxes: 0, running: 0, ipsInUse: 0 });
    await sync();
    expect(await containers()).toHaveLength(1);
  });

  it("runs init containers in order before the app container", async () => {
    const { sync, stored } = track(
      podSpec({
        initContainers: [
          { name: "first", image: "fake/exit:0-5" },
          { name: "second", image: "fake/exit:0-5" },
        ],
      }),
    );
    await sync();
    expect(stored()?.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe("PodInitializing");
    expect((await containers()).map((c) => c.metadata?.name)).toEqual(["first"]);
    await sleep(20);
    await sync();
    await sleep(20);
    await sync();
    expect(stored()?.status).toMatchObject({
      phase: "Running",
      initContainerStatuses: [
        { name: "first", ready: true, state: { terminated: { exitCode: 0, reason: "Completed" } } },
        { name: "second", ready: true, state: { terminated: { exitCode: 0, reason: "Completed" } } },
      ],
      containerStatuses: [{ name: "web", ready: true }],
    });
  });

  it("reports a missing ConfigMap as CreateContainerConfigError", async () => {
    const { sync, stored } = track(
      podSpec({
        containers: [
          {
            name: "web",
            image: "nginx:1.27",
            env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "absent", key: "k" } } }],
          },
        ],
      }),
    );
    const result = await sync();
    expect(stored()?.status?.containerStatuses?.[0]?.state).toEqual({
      waiting: { reason: "CreateContainerConfigError", message: 'configmap "absent" not found' },
    });
    expect(result.requeueAfterMs).toBeDefined();
  });

  it("restarts a container whose liveness probe failed, with the pod's grace period", async () => {
    let unhealthy = "";
    deps = makeDeps({
      ...NO_PROBES,
      unhealthy: (id) =>
        id === unhealthy ? "Container web failed liveness probe, will be restarted" : undefined,
    });
    const { sync, stored } = track(podSpec({ terminationGracePeriodSeconds: 7 }));
    await sync();
    unhealthy = (await containers("CONTAINER_RUNNING"))[0]?.id ?? "";
    const stop = vi.spyOn(runtime, "stopContainer");
    await sync();
    expect(stop).toHaveBeenCalledWith({ containerId: unhealthy, timeout: 7 }, {});
    expect(stored()?.status?.containerStatuses?.[0]).toMatchObject({
      restartCount: 1,
      state: { running: {} },
      lastState: { terminated: { exitCode: 143 } },
    });
  });

  it("restarts a container whose spec changed", async () => {
    const { sync, stored, record } = track(podSpec());
    await sync();
    const pod = stored();
    const first = (await containers("CONTAINER_RUNNING"))[0]?.id;
    if (pod?.spec?.containers?.[0]) pod.spec.containers[0].image = "nginx:1.28";
    client.seed(PODS, pod as Pod);
    record.pod = stored();
    await syncPod(deps, record);
    const running = await containers("CONTAINER_RUNNING");
    expect(running.map((c) => c.id)).not.toContain(first);
    expect(stored()?.status?.containerStatuses?.[0]).toMatchObject({ image: "nginx:1.28", restartCount: 1 });
  });

  it("adopts running containers after a restart of the kubelet", async () => {
    const { sync, stored } = track(podSpec());
    await sync();
    const before = stored()?.status?.containerStatuses?.[0];
    expect(before?.state?.running).toBeDefined();
    // A new kubelet: a fresh record, fresh back-offs, the status from the API.
    deps = makeDeps(NO_PROBES);
    const fresh = newPodRecord("uid-web-abc", "default", "web-abc");
    fresh.pod = stored();
    await syncPod(deps, fresh);
    expect(await containers()).toHaveLength(1);
    expect(stored()?.status?.containerStatuses?.[0]).toEqual(before);
  });

  it("terminates a deleted pod: stops with the grace period, cleans up, deletes the object", async () => {
    const { sync, stored } = track(podSpec({ volumes: [{ name: "scratch", emptyDir: {} }] }));
    await sync();
    const pod = stored() as Pod;
    pod.metadata = {
      ...pod.metadata,
      deletionTimestamp: "2026-11-24T11:00:30Z",
      deletionGracePeriodSeconds: 12,
    };
    client.seed(PODS, pod);
    const stop = vi.spyOn(runtime, "stopContainer");
    const result = await sync();
    expect(result.finished).toBe(true);
    expect(stop.mock.calls[0]?.[0].timeout).toBe(12);
    const statusWrite = client.actions.filter((a) => a.verb === "updateStatus").at(-1);
    expect(statusWrite?.object).toMatchObject({ status: { phase: "Failed" } });
    expect(client.actions.at(-1)).toMatchObject({ verb: "delete", name: "web-abc" });
    expect(stored()).toBeUndefined();
    expect(runtime.stats()).toMatchObject({ sandboxes: 0, containers: 0, ipsInUse: 0 });
    await expect(stat(join(dir, "pods", "uid-web-abc"))).rejects.toThrow();
    await expect(stat(join(dir, "logs", "default_web-abc_uid-web-abc"))).rejects.toThrow();
  });

  it("cuts a termination short when a shorter grace period arrives", async () => {
    const { sync, stored, record } = track(
      podSpec({ containers: [{ name: "web", image: "fake/ignore-sigterm" }] }),
    );
    await sync();
    const pod = stored() as Pod;
    pod.metadata = {
      ...pod.metadata,
      deletionTimestamp: "2026-11-24T11:00:30Z",
      deletionGracePeriodSeconds: 30,
    };
    client.seed(PODS, pod);
    const started = Date.now();
    const terminating = sync();
    await sleep(50);
    expect(runtime.stats().running).toBe(1);
    expect(record.interruptKill).toBeDefined();
    record.interruptKill?.();
    await terminating;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(runtime.stats()).toMatchObject({ running: 0, containers: 0 });
  });

  it("fails a pod active longer than its activeDeadlineSeconds", async () => {
    const { sync, stored } = track(podSpec({ activeDeadlineSeconds: 60 }));
    const first = await sync();
    expect(stored()?.status?.phase).toBe("Running");
    expect(first.requeueAfterMs).toBeGreaterThan(58_000);
    expect(first.requeueAfterMs).toBeLessThanOrEqual(60_000);
    deps = { ...deps, now: () => Date.now() + 61_000 };
    await sync();
    expect(stored()?.status).toMatchObject({
      phase: "Failed",
      reason: "DeadlineExceeded",
      message: "Pod was active on the node longer than the specified deadline",
      containerStatuses: [{ state: { terminated: { exitCode: 143 } } }],
    });
    expect(runtime.stats()).toMatchObject({ running: 0, readySandboxes: 0 });
    await sync();
    expect(stored()?.status).toMatchObject({ phase: "Failed", reason: "DeadlineExceeded" });
  });

  it("kills what runs for a pod that is gone from the API", async () => {
    const { sync, record } = track(podSpec());
    await sync();
    record.pod = undefined;
    const result = await syncPod(deps, record);
    expect(result.finished).toBe(true);
    expect(runtime.stats()).toMatchObject({ sandboxes: 0, containers: 0 });
  });

  it("recreates a dead sandbox and restarts the containers in it", async () => {
    const { sync, stored } = track(podSpec());
    await sync();
    const { items = [] } = await runtime.listPodSandbox({});
    runtime.killSandbox(items[0]?.id ?? "");
    await sleep(1);
    await sync();
    const sandboxes = (await runtime.listPodSandbox({})).items ?? [];
    expect(sandboxes.find((s) => s.state === "SANDBOX_READY")?.metadata?.attempt).toBe(1);
    expect(stored()?.status?.containerStatuses?.[0]).toMatchObject({
      restartCount: 1,
      state: { running: {} },
    });
  });
});

describe("syncPod events", () => {
  it("records Pulled, Created and Started for a starting pod, and Killing when it is deleted", async () => {
    const recorder = fakeRecorder();
    deps = { ...deps, recorder };
    const { sync, stored } = track(
      podSpec({
        initContainers: [{ name: "init", image: "fake/exit:0-5", imagePullPolicy: "IfNotPresent" }],
        containers: [{ name: "web", image: "nginx:1.27", imagePullPolicy: "Always" }],
      }),
    );
    await sync();
    await sleep(20);
    await sync();
    expect(recorder.lines).toEqual([
      'Normal Pulling spec.initContainers{init}: Pulling image "fake/exit:0-5"',
      expect.stringMatching(
        /^Normal Pulled spec\.initContainers\{init\}: Successfully pulled image "fake\/exit:0-5" in \d/,
      ),
      "Normal Created spec.initContainers{init}: Created container init",
      "Normal Started spec.initContainers{init}: Started container init",
      'Normal Pulling spec.containers{web}: Pulling image "nginx:1.27"',
      expect.stringMatching(
        /^Normal Pulled spec\.containers\{web\}: Successfully pulled image "nginx:1\.27" in /,
      ),
      "Normal Created spec.containers{web}: Created container web",
      "Normal Started spec.containers{web}: Started container web",
    ]);
    recorder.lines.length = 0;
    const pod = stored() as Pod;
    pod.metadata = {
      ...pod.metadata,
      deletionTimestamp: new Date().toISOString(),
      deletionGracePeriodSeconds: 0,
    };
    client.seed(PODS, pod);
    await sync();
    expect(recorder.lines).toEqual(["Normal Killing spec.containers{web}: Stopping container web"]);
  });

  it("records a present image as already present, and a crash loop as BackOff", async () => {
    const recorder = fakeRecorder();
    deps = { ...deps, recorder };
    const { sync } = track(podSpec({ containers: [{ name: "web", image: "fake/exit:1-10" }] }));
    await sync();
    await sleep(30);
    await sync(); // restarted at once
    await sleep(30);
    await sync(); // in back-off
    expect(recorder.lines.slice(-4)).toEqual([
      'Normal Pulled spec.containers{web}: Container image "fake/exit:1-10" already present on machine',
      "Normal Created spec.containers{web}: Created container web",
      "Normal Started spec.containers{web}: Started container web",
      "Warning BackOff spec.containers{web}: Back-off restarting failed container web in pod web-abc_default(uid-web-abc)",
    ]);
  });

  it("records a failed pull as Failed twice, then BackOff while backing off", async () => {
    const recorder = fakeRecorder();
    deps = { ...deps, recorder };
    const { sync } = track(podSpec({ containers: [{ name: "web", image: "nonexistent:1" }] }));
    await sync();
    await sync();
    expect(recorder.lines).toEqual([
      'Normal Pulling spec.containers{web}: Pulling image "nonexistent:1"',
      expect.stringMatching(
        /^Warning Failed spec\.containers\{web\}: Failed to pull image "nonexistent:1": rpc error: /,
      ),
      "Warning Failed spec.containers{web}: Error: ErrImagePull",
      'Normal BackOff spec.containers{web}: Back-off pulling image "nonexistent:1"',
      "Warning Failed spec.containers{web}: Error: ImagePullBackOff",
    ]);
  });

  it("records the probe's reason when killing an unhealthy container, and a config error as Failed", async () => {
    const recorder = fakeRecorder();
    let unhealthy = "";
    deps = {
      ...makeDeps({
        ...NO_PROBES,
        unhealthy: (id) =>
          id === unhealthy ? "Container web failed liveness probe, will be restarted" : undefined,
      }),
      recorder,
    };
    const { sync } = track(podSpec());
    await sync();
    unhealthy = (await containers("CONTAINER_RUNNING"))[0]?.id ?? "";
    recorder.lines.length = 0;
    await sync();
    expect(recorder.lines[0]).toBe(
      "Normal Killing spec.containers{web}: Container web failed liveness probe, will be restarted",
    );

    recorder.lines.length = 0;
    const bad = track(
      podSpec(
        {
          containers: [
            {
              name: "app",
              image: "nginx:1.27",
              env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "absent", key: "k" } } }],
            },
          ],
        },
        "bad",
      ),
    );
    await bad.sync();
    expect(recorder.lines.at(-1)).toBe(
      'Warning Failed spec.containers{app}: Error: configmap "absent" not found',
    );
  });
});

describe("locateLog", () => {
  it("finds the current and previous instance's log as the kubelet chooses them", async () => {
    const { sync, stored, record } = track(
      podSpec({ containers: [{ name: "web", image: "fake/exit:1-5" }] }),
    );
    const locate = makeLogLocator({
      runtime,
      podLogsDir: join(dir, "logs"),
      findPod: () => stored(),
      statusOf: () => record.status,
    });
    const request = { namespace: "default", pod: "web-abc", container: "web", previous: false };
    await expect(locate(request)).rejects.toThrow('container "web" in pod "web-abc" is not available');
    await sync();
    const logDir = join(dir, "logs", "default_web-abc_uid-web-abc", "web");
    expect((await locate(request)).path).toBe(join(logDir, "0.log"));
    await expect(locate({ ...request, previous: true })).rejects.toThrow(
      'previous terminated container "web" in pod "web-abc" not found',
    );
    await sleep(20);
    await sync();
    const current = await locate(request);
    expect(current.path).toBe(join(logDir, "1.log"));
    expect(await current.isRunning()).toBe(true);
    expect((await locate({ ...request, previous: true })).path).toBe(join(logDir, "0.log"));
  });

  it("says why a container has no log yet", async () => {
    const { sync, stored, record } = track(
      podSpec({ containers: [{ name: "web", image: "nonexistent:1" }] }),
    );
    await sync();
    const locate = makeLogLocator({
      runtime,
      podLogsDir: dir,
      findPod: () => stored(),
      statusOf: () => record.status,
    });
    await expect(
      locate({ namespace: "default", pod: "web-abc", container: "web", previous: false }),
    ).rejects.toThrow(`container "web" in pod "web-abc" is waiting to start: image can't be pulled`);
  });
});
