import { describe, expect, it } from "vitest";
import type { Pod, PodStatus } from "@ktl/api";
import { generatePodStatus, type PodStatusInput } from "./api-status.js";
import type { StartFailure } from "./container-statuses.js";
import type { PodRuntimeStatus, RuntimeContainer } from "./runtime-status.js";

const T0 = Date.parse("2026-11-24T11:00:00Z");
const pod = (extra: Partial<Pod["spec"]> = {}, status: PodStatus = {}): Pod => ({
  metadata: { name: "web-abc", namespace: "default", uid: "u1" },
  spec: {
    restartPolicy: "Always",
    nodeName: "n1",
    containers: [
      { name: "web", image: "nginx:1.27", resources: { requests: { cpu: "100m" } } },
      { name: "app", image: "busybox" },
    ],
    ...extra,
  },
  status: {
    phase: "Pending",
    conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: "2026-11-24T10:59:58Z" }],
    ...status,
  },
});

function rc(
  name: string,
  state: RuntimeContainer["state"],
  extra: Partial<RuntimeContainer> = {},
): RuntimeContainer {
  return {
    id: `${name}-id`,
    sandboxId: "sb",
    name,
    state,
    createdAt: T0,
    startedAt: T0 + 1000,
    finishedAt: state === "exited" ? T0 + 5000 : 0,
    exitCode: 0,
    reason: state === "exited" ? "Completed" : "",
    message: "",
    image: "docker.io/library/x:latest",
    userImage: "",
    imageRef: `docker.io/library/${name}@sha256:abc`,
    restartCount: 0,
    hash: "h",
    terminationGrace: 30,
    logPath: "",
    ...extra,
  };
}

const runtime = (containers: RuntimeContainer[], ready = true): PodRuntimeStatus => ({
  uid: "u1",
  sandboxes: [
    { id: "sb", ready, attempt: 0, createdAt: T0, network: "POD", ips: ready ? ["10.88.0.7"] : [] },
  ],
  containers,
  ips: ready ? ["10.88.0.7"] : [],
});

function input(p: Pod, rt: PodRuntimeStatus, extra: Partial<PodStatusInput> = {}): PodStatusInput {
  return {
    pod: p,
    runtime: rt,
    oldStatus: p.status ?? {},
    failures: new Map(),
    podIsTerminal: false,
    runtimeName: "containerd",
    probes: { isReady: () => true, isStarted: () => true },
    nodeIp: "127.0.0.5",
    now: T0 + 10_000,
    ...extra,
  };
}

describe("generatePodStatus", () => {
  it("reports a running pod as the kubelet does", () => {
    const status = generatePodStatus(input(pod(), runtime([rc("web", "running"), rc("app", "running")])));
    expect(status).toEqual({
      phase: "Running",
      conditions: [
        { type: "PodReadyToStartContainers", status: "True", lastTransitionTime: "2026-11-24T11:00:10Z" },
        { type: "Initialized", status: "True", lastTransitionTime: "2026-11-24T11:00:10Z" },
        { type: "Ready", status: "True", lastTransitionTime: "2026-11-24T11:00:10Z" },
        { type: "ContainersReady", status: "True", lastTransitionTime: "2026-11-24T11:00:10Z" },
        { type: "PodScheduled", status: "True", lastTransitionTime: "2026-11-24T10:59:58Z" },
      ],
      hostIP: "127.0.0.5",
      hostIPs: [{ ip: "127.0.0.5" }],
      podIP: "10.88.0.7",
      podIPs: [{ ip: "10.88.0.7" }],
      startTime: "2026-11-24T11:00:10Z",
      qosClass: "Burstable",
      containerStatuses: [
        {
          name: "app",
          image: "busybox",
          imageID: "docker.io/library/app@sha256:abc",
          containerID: "containerd://app-id",
          restartCount: 0,
          started: true,
          ready: true,
          state: { running: { startedAt: "2026-11-24T11:00:01Z" } },
        },
        {
          name: "web",
          image: "nginx:1.27",
          imageID: "docker.io/library/web@sha256:abc",
          containerID: "containerd://web-id",
          restartCount: 0,
          started: true,
          ready: true,
          state: { running: { startedAt: "2026-11-24T11:00:01Z" } },
        },
      ],
    });
  });

  it("shows containers that cannot start as waiting with the failure's reason, and the pod not ready", () => {
    const failures = new Map<string, StartFailure>([
      ["web", { reason: "ErrImagePull", message: "rpc error: code = NotFound desc = not found" }],
    ]);
    const status = generatePodStatus(input(pod(), runtime([rc("app", "running")]), { failures }));
    expect(status.phase).toBe("Pending");
    const web = status.containerStatuses?.find((c) => c.name === "web");
    expect(web).toMatchObject({
      state: { waiting: { reason: "ErrImagePull", message: "rpc error: code = NotFound desc = not found" } },
      ready: false,
      started: false,
      restartCount: 0,
    });
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ContainersNotReady",
      message: "containers with unready status: [web]",
    });
    const fresh = generatePodStatus(input(pod(), runtime([])));
    expect(fresh.containerStatuses?.map((c) => c.state)).toEqual([
      { waiting: { reason: "ContainerCreating" } },
      { waiting: { reason: "ContainerCreating" } },
    ]);
    expect(fresh.conditions?.find((c) => c.type === "ContainersReady")?.message).toBe(
      "containers with unready status: [web app]",
    );
  });

  it("shows a crash loop: waiting CrashLoopBackOff with the last run in lastState", () => {
    const failures = new Map<string, StartFailure>([
      [
        "app",
        {
          reason: "CrashLoopBackOff",
          message: "back-off 10s restarting failed container=app pod=web-abc_default(u1)",
        },
      ],
    ]);
    const exited = rc("app", "exited", { exitCode: 1, reason: "Error", restartCount: 2 });
    const status = generatePodStatus(input(pod(), runtime([rc("web", "running"), exited]), { failures }));
    expect(status.phase).toBe("Running");
    expect(status.containerStatuses?.[0]).toEqual({
      name: "app",
      image: "busybox",
      imageID: "docker.io/library/app@sha256:abc",
      containerID: "containerd://app-id",
      restartCount: 2,
      started: false,
      ready: false,
      state: { waiting: { reason: "CrashLoopBackOff", message: failures.get("app")?.message } },
      lastState: {
        terminated: {
          exitCode: 1,
          reason: "Error",
          startedAt: "2026-11-24T11:00:01Z",
          finishedAt: "2026-11-24T11:00:05Z",
          containerID: "containerd://app-id",
        },
      },
    });
  });

  it("puts the previous instance in lastState while the new one runs", () => {
    const old = rc("app", "exited", { id: "old", exitCode: 2, reason: "Error", createdAt: T0 - 100 });
    const current = rc("app", "running", { id: "new", restartCount: 1 });
    const status = generatePodStatus(input(pod(), runtime([current, rc("web", "running"), old])));
    const app = status.containerStatuses?.find((c) => c.name === "app");
    expect(app?.state).toEqual({ running: { startedAt: "2026-11-24T11:00:01Z" } });
    expect(app?.lastState?.terminated?.containerID).toBe("containerd://old");
    expect(app?.restartCount).toBe(1);
  });

  it("completes a pod whose containers all succeeded and keeps its IP once the sandbox is gone", () => {
    const p = pod({ restartPolicy: "Never" }, { podIP: "10.88.0.7", podIPs: [{ ip: "10.88.0.7" }] });
    const status = generatePodStatus(
      input(p, runtime([rc("web", "exited"), rc("app", "exited")], false), { podIsTerminal: true }),
    );
    expect(status.phase).toBe("Succeeded");
    expect(status.podIP).toBe("10.88.0.7");
    expect(status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["PodReadyToStartContainers", "False", undefined],
      ["Initialized", "True", "PodCompleted"],
      ["Ready", "False", "PodCompleted"],
      ["ContainersReady", "False", "PodCompleted"],
      ["PodScheduled", "True", undefined],
    ]);
    const failed = generatePodStatus(
      input(p, runtime([rc("web", "exited", { exitCode: 1 }), rc("app", "exited")], false)),
    );
    expect(failed.phase).toBe("Failed");
    expect(failed.conditions?.find((c) => c.type === "Ready")?.reason).toBe("PodFailed");
  });

  it("never leaves a terminal phase, keeps transition times of unchanged conditions and the start time", () => {
    const old: PodStatus = {
      phase: "Running",
      startTime: "2026-11-24T10:00:00Z",
      conditions: [
        { type: "Ready", status: "True", lastTransitionTime: "2026-11-24T10:00:05Z" },
        { type: "Initialized", status: "True", lastTransitionTime: "2026-11-24T10:00:01Z" },
      ],
    };
    const status = generatePodStatus(
      input(pod(), runtime([rc("web", "running"), rc("app", "running")]), { oldStatus: old }),
    );
    expect(status.startTime).toBe("2026-11-24T10:00:00Z");
    expect(status.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime).toBe(
      "2026-11-24T10:00:05Z",
    );
    expect(status.conditions?.find((c) => c.type === "ContainersReady")?.lastTransitionTime).toBe(
      "2026-11-24T11:00:10Z",
    );
    const terminal = generatePodStatus(
      input(pod({}, { phase: "Failed" }), runtime([rc("web", "running"), rc("app", "running")])),
    );
    expect(terminal.phase).toBe("Failed");
  });

  it("waits for readiness gates and for init containers", () => {
    const gated = pod({ readinessGates: [{ conditionType: "example.com/lb" }] });
    const status = generatePodStatus(input(gated, runtime([rc("web", "running"), rc("app", "running")])));
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ReadinessGatesNotReady",
      message: 'corresponding condition of pod readiness gate "example.com/lb" does not exist.',
    });
    const withInit = pod({ initContainers: [{ name: "setup", image: "busybox" }] });
    const initializing = generatePodStatus(input(withInit, runtime([rc("setup", "running")])));
    expect(initializing.phase).toBe("Pending");
    expect(initializing.initContainerStatuses?.[0]).toMatchObject({
      name: "setup",
      ready: false,
      started: true,
    });
    expect(initializing.containerStatuses?.map((c) => c.state?.waiting?.reason)).toEqual([
      "PodInitializing",
      "PodInitializing",
    ]);
    expect(initializing.conditions?.find((c) => c.type === "Initialized")).toMatchObject({
      status: "False",
      reason: "ContainersNotInitialized",
      message: "containers with incomplete status: [setup]",
    });
  });

  it("gives host-network pods the node's IP", () => {
    const p = pod({ hostNetwork: true });
    const rt: PodRuntimeStatus = {
      ...runtime([rc("web", "running"), rc("app", "running")]),
      sandboxes: [{ id: "sb", ready: true, attempt: 0, createdAt: T0, network: "NODE", ips: [] }],
      ips: [],
    };
    expect(generatePodStatus(input(p, rt)).podIPs).toEqual([{ ip: "127.0.0.5" }]);
  });
});
