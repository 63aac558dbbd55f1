import type { ContainerStatus, Pod } from "@ktl/api";
import { describe, expect, it } from "vitest";
import { podPrinter } from "./pods.js";

const NOW = new Date("2024-05-01T12:00:00Z");
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();

function pod(
  overrides: { spec?: Pod["spec"]; status?: Pod["status"]; metadata?: Pod["metadata"] } = {},
): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-1", namespace: "default", creationTimestamp: ago(200), ...overrides.metadata },
    spec: { containers: [{ name: "app", image: "nginx" }], ...overrides.spec },
    status: overrides.status ?? {},
  };
}

const running = (name: string, extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name,
  ready: true,
  restartCount: 0,
  state: { running: { startedAt: ago(100) } },
  ...extra,
});

const cells = (p: Pod) => podPrinter.print(p, NOW).cells;
/** READY, STATUS, RESTARTS */
const summary = (p: Pod) => cells(p).slice(1, 4);

describe("pod columns", () => {
  it("are Kubernetes' pod columns, wide ones at priority 1", () => {
    expect(podPrinter.columns.map((c) => [c.name, c.type, c.format, c.priority])).toEqual([
      ["Name", "string", "name", 0],
      ["Ready", "string", "", 0],
      ["Status", "string", "", 0],
      ["Restarts", "string", "", 0],
      ["Age", "string", "", 0],
      ["IP", "string", "", 1],
      ["Node", "string", "", 1],
      ["Nominated Node", "string", "", 1],
      ["Readiness Gates", "string", "", 1],
    ]);
  });
});

describe("pod cells", () => {
  it("prints a running pod with a crash-looping container and its last restart", () => {
    const p = pod({
      spec: { nodeName: "node-a", containers: [{ name: "app" }, { name: "sidecar" }] },
      status: {
        phase: "Running",
        podIP: "10.0.0.5",
        containerStatuses: [
          running("app"),
          {
            name: "sidecar",
            ready: false,
            restartCount: 5,
            state: { waiting: { reason: "CrashLoopBackOff" } },
            lastState: { terminated: { exitCode: 1, finishedAt: ago(300) } },
          },
        ],
      },
    });
    expect(cells(p)).toEqual([
      "web-1",
      "1/2",
      "CrashLoopBackOff",
      "5 (5m ago)",
      "3m20s",
      "10.0.0.5",
      "node-a",
      "<none>",
      "<none>",
    ]);
  });

  it("prints a pending pod without statuses", () => {
    expect(cells(pod({ status: { phase: "Pending" } }))).toEqual([
      "web-1",
      "0/1",
      "Pending",
      "0",
      "3m20s",
      "<none>",
      "<none>",
      "<none>",
      "<none>",
    ]);
  });

  it("counts restarts without a suffix when there is no last termination", () => {
    const p = pod({ status: { phase: "Running", containerStatuses: [running("app", { restartCount: 3 })] } });
    expect(summary(p)).toEqual(["1/1", "Running", "3"]);
  });

  it("prefers status.reason over the phase", () => {
    expect(summary(pod({ status: { phase: "Failed", reason: "Evicted" } }))[1]).toBe("Evicted");
  });

  it("reports waiting and terminated container reasons, the first container's winning", () => {
    const p = pod({
      spec: { containers: [{ name: "a" }, { name: "b" }] },
      status: {
        phase: "Pending",
        containerStatuses: [
          { name: "a", state: { waiting: { reason: "ErrImagePull" } } },
          { name: "b", state: { waiting: { reason: "ContainerCreating" } } },
        ],
      },
    });
    expect(summary(p)).toEqual(["0/2", "ErrImagePull", "0"]);
  });

  it("prints ExitCode:N or Signal:N for a termination without a reason", () => {
    const exited = pod({
      status: {
        phase: "Running",
        containerStatuses: [{ name: "app", state: { terminated: { exitCode: 137 } } }],
      },
    });
    expect(summary(exited)[1]).toBe("ExitCode:137");
    const signalled = pod({
      status: {
        phase: "Running",
        containerStatuses: [{ name: "app", state: { terminated: { exitCode: 0, signal: 9 } } }],
      },
    });
    expect(summary(signalled)[1]).toBe("Signal:9");
  });

  it("prints Completed for a succeeded pod and marks the row completed", () => {
    const p = pod({
      status: {
        phase: "Succeeded",
        containerStatuses: [{ name: "app", state: { terminated: { exitCode: 0, reason: "Completed" } } }],
      },
    });
    const row = podPrinter.print(p, NOW);
    expect(row.cells.slice(1, 4)).toEqual(["0/1", "Completed", "0"]);
    expect(row.conditions).toEqual([
      {
        type: "Completed",
        status: "True",
        reason: "Succeeded",
        message: "The pod has completed successfully.",
      },
    ]);
    expect(podPrinter.print(pod({ status: { phase: "Failed" } }), NOW).conditions?.[0]?.reason).toBe(
      "Failed",
    );
    expect(podPrinter.print(pod({ status: { phase: "Running" } }), NOW).conditions).toBeUndefined();
  });

  it("turns Completed back into Running (or NotReady) while another container still runs", () => {
    const status = {
      phase: "Running",
      containerStatuses: [
        { name: "job", state: { terminated: { exitCode: 0, reason: "Completed" } } },
        running("helper"),
      ],
    };
    const spec = { containers: [{ name: "job" }, { name: "helper" }] };
    expect(
      summary(pod({ spec, status: { ...status, conditions: [{ type: "Ready", status: "True" }] } }))[1],
    ).toBe("Running");
    expect(summary(pod({ spec, status }))[1]).toBe("NotReady");
  });

  it("prints Terminating once deletion started, Unknown for a lost node, nothing for finished pods", () => {
    const deleting = { deletionTimestamp: ago(5) };
    expect(summary(pod({ metadata: deleting, status: { phase: "Running" } }))[1]).toBe("Terminating");
    expect(summary(pod({ metadata: deleting, status: { phase: "Running", reason: "NodeLost" } }))[1]).toBe(
      "Unknown",
    );
    expect(summary(pod({ metadata: deleting, status: { phase: "Succeeded" } }))[1]).toBe("Succeeded");
  });

  it("prints SchedulingGated for a gated pod", () => {
    const p = pod({
      status: {
        phase: "Pending",
        conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }],
      },
    });
    expect(summary(p)[1]).toBe("SchedulingGated");
  });
});

describe("pod init containers", () => {
  const spec = {
    initContainers: [{ name: "init-a" }, { name: "init-b" }],
    containers: [{ name: "app" }],
  };

  it("prints Init:i/n for the first init container still running", () => {
    const p = pod({
      spec,
      status: {
        phase: "Pending",
        initContainerStatuses: [
          { name: "init-a", state: { terminated: { exitCode: 0, reason: "Completed" } } },
          { name: "init-b", state: { running: {} } },
        ],
        containerStatuses: [{ name: "app", state: { waiting: { reason: "PodInitializing" } } }],
      },
    });
    expect(summary(p)).toEqual(["0/1", "Init:1/2", "0"]);
  });

  it("prints Init:0/n while the first init container is only initializing", () => {
    const p = pod({
      spec,
      status: {
        phase: "Pending",
        initContainerStatuses: [{ name: "init-a", state: { waiting: { reason: "PodInitializing" } } }],
      },
    });
    expect(summary(p)[1]).toBe("Init:0/2");
  });

  it("prints Init:<reason> for a waiting or failed init container, with its restarts", () => {
    const waiting = pod({
      spec,
      status: {
        phase: "Pending",
        initContainerStatuses: [{ name: "init-a", state: { waiting: { reason: "ErrImagePull" } } }],
      },
    });
    expect(summary(waiting)[1]).toBe("Init:ErrImagePull");
    const crashing = pod({
      spec,
      status: {
        phase: "Pending",
        initContainerStatuses: [
          {
            name: "init-a",
            restartCount: 2,
            state: { waiting: { reason: "CrashLoopBackOff" } },
            lastState: { terminated: { exitCode: 1, finishedAt: ago(60) } },
          },
        ],
      },
    });
    expect(summary(crashing)).toEqual(["0/1", "Init:CrashLoopBackOff", "2 (60s ago)"]);
    const failed = pod({
      spec,
      status: {
        phase: "Pending",
        initContainerStatuses: [{ name: "init-a", state: { terminated: { exitCode: 3 } } }],
      },
    });
    expect(summary(failed)[1]).toBe("Init:ExitCode:3");
    const killed = pod({
      spec,
      status: {
        phase: "Pending",
        initContainerStatuses: [{ name: "init-a", state: { terminated: { exitCode: 2, signal: 9 } } }],
      },
    });
    expect(summary(killed)[1]).toBe("Init:Signal:9");
    const reasoned = pod({
      spec,
      status: {
        phase: "Pending",
        initContainerStatuses: [{ name: "init-a", state: { terminated: { exitCode: 1, reason: "Error" } } }],
      },
    });
    expect(summary(reasoned)[1]).toBe("Init:Error");
  });

  it("counts a started sidecar (restartPolicy Always) among the containers", () => {
    const sidecarSpec = {
      initContainers: [{ name: "proxy", restartPolicy: "Always" } as { name: string }],
      containers: [{ name: "app" }],
    };
    const p = pod({
      spec: sidecarSpec,
      status: {
        phase: "Running",
        conditions: [{ type: "Initialized", status: "True" }],
        initContainerStatuses: [
          running("proxy", {
            started: true,
            restartCount: 1,
            lastState: { terminated: { exitCode: 1, finishedAt: ago(120) } },
          }),
        ],
        containerStatuses: [running("app")],
      },
    });
    expect(summary(p)).toEqual(["2/2", "Running", "1 (2m ago)"]);
  });
});

describe("pod wide cells", () => {
  it("takes the IP from podIPs when podIP is unset and counts true readiness gates", () => {
    const p = pod({
      spec: {
        containers: [{ name: "app" }],
        readinessGates: [{ conditionType: "lb/ready" }, { conditionType: "dns/ready" }],
      },
      status: {
        phase: "Running",
        podIPs: [{ ip: "fd00::5" }],
        nominatedNodeName: "node-b",
        conditions: [
          { type: "lb/ready", status: "True" },
          { type: "dns/ready", status: "False" },
        ],
      },
    });
    expect(cells(p).slice(5)).toEqual(["fd00::5", "<none>", "node-b", "1/2"]);
  });

  it("prints <unknown> age without a creation timestamp", () => {
    expect(cells(pod({ metadata: { name: "x", creationTimestamp: undefined } }))[4]).toBe("<unknown>");
  });
});
