import { describe, expect, it } from "vitest";
import type { Pod } from "@ktl/api";
import { computePodActions } from "./actions.js";
import { hashContainer } from "./container-hash.js";
import type { PodRuntimeStatus, RuntimeContainer } from "./runtime-status.js";

const healthy = { unhealthy: () => undefined };

function pod(restartPolicy = "Always", inits: string[] = []): Pod {
  return {
    metadata: { name: "web", namespace: "default", uid: "u1" },
    spec: {
      restartPolicy,
      initContainers: inits.map((name) => ({ name, image: "busybox:1" })),
      containers: [
        { name: "a", image: "busybox:1" },
        { name: "b", image: "busybox:1" },
      ],
    },
  };
}

let clock = 1000;
function container(
  p: Pod,
  name: string,
  state: RuntimeContainer["state"],
  extra: Partial<RuntimeContainer> = {},
): RuntimeContainer {
  const spec = [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])].find(
    (c) => c.name === name,
  );
  clock += 10;
  return {
    id: `${name}-${clock}`,
    sandboxId: "sb1",
    name,
    state,
    createdAt: clock,
    startedAt: clock,
    finishedAt: state === "exited" ? clock + 5 : 0,
    exitCode: 0,
    reason: "",
    message: "",
    image: "",
    userImage: "",
    imageRef: "",
    restartCount: 0,
    hash: spec ? hashContainer(spec) : "",
    terminationGrace: undefined,
    logPath: "",
    ...extra,
  };
}

function status(
  containers: RuntimeContainer[],
  sandbox: Partial<PodRuntimeStatus["sandboxes"][number]> | null = {},
): PodRuntimeStatus {
  const sandboxes =
    sandbox === null
      ? []
      : [
          {
            id: "sb1",
            ready: true,
            attempt: 0,
            createdAt: 1,
            network: "POD" as const,
            ips: ["10.0.0.2"],
            ...sandbox,
          },
        ];
  return {
    uid: "u1",
    sandboxes,
    containers: [...containers].sort((x, y) => y.createdAt - x.createdAt),
    ips: sandboxes[0]?.ips ?? [],
  };
}

describe("computePodActions", () => {
  it("creates the sandbox and starts every container for a new pod", () => {
    const actions = computePodActions(pod(), status([], null), healthy);
    expect(actions).toMatchObject({
      createSandbox: true,
      attempt: 0,
      containersToStart: [0, 1],
      nextInitContainer: undefined,
    });
  });

  it("starts the first init container in a new sandbox, then the next, then the app containers", () => {
    const p = pod("Always", ["i1", "i2"]);
    expect(computePodActions(p, status([], null), healthy)).toMatchObject({
      createSandbox: true,
      nextInitContainer: 0,
      containersToStart: [],
    });
    expect(computePodActions(p, status([container(p, "i1", "running")]), healthy)).toMatchObject({
      nextInitContainer: undefined,
      containersToStart: [],
    });
    expect(computePodActions(p, status([container(p, "i1", "exited")]), healthy)).toMatchObject({
      nextInitContainer: 1,
    });
    const done = status([container(p, "i1", "exited"), container(p, "i2", "exited")]);
    expect(computePodActions(p, done, healthy)).toMatchObject({
      nextInitContainer: undefined,
      containersToStart: [0, 1],
    });
  });

  it("retries a failed init container, or gives the pod up under Never", () => {
    const p = pod("Always", ["i1"]);
    const failed = status([container(p, "i1", "exited", { exitCode: 1 })]);
    expect(computePodActions(p, failed, healthy)).toMatchObject({ killPod: false, nextInitContainer: 0 });
    const never = pod("Never", ["i1"]);
    expect(
      computePodActions(never, status([container(never, "i1", "exited", { exitCode: 1 })]), healthy),
    ).toMatchObject({
      killPod: true,
      nextInitContainer: undefined,
    });
  });

  it("keeps running containers and restarts exited ones per restart policy", () => {
    const p = pod("Always");
    const s = status([container(p, "a", "running"), container(p, "b", "exited", { exitCode: 0 })]);
    expect(computePodActions(p, s, healthy)).toMatchObject({
      killPod: false,
      containersToStart: [1],
      containersToKill: [],
    });
    const onFailure = pod("OnFailure");
    const s2 = status([
      container(onFailure, "a", "running"),
      container(onFailure, "b", "exited", { exitCode: 0 }),
    ]);
    expect(computePodActions(onFailure, s2, healthy)).toMatchObject({
      killPod: false,
      containersToStart: [],
    });
    const never = pod("Never");
    const s3 = status([container(never, "a", "exited", { exitCode: 1 }), container(never, "b", "exited")]);
    expect(computePodActions(never, s3, healthy)).toMatchObject({ killPod: true, containersToStart: [] });
  });

  it("kills and restarts a container whose liveness probe failed, or whose spec changed", () => {
    const p = pod("Always");
    const a = container(p, "a", "running");
    const b = container(p, "b", "running", { hash: "stale" });
    const health = {
      unhealthy: (id: string) =>
        id === a.id ? "Container a failed liveness probe, will be restarted" : undefined,
    };
    const actions = computePodActions(p, status([a, b]), health);
    expect(actions.containersToStart).toEqual([0, 1]);
    expect(actions.containersToKill).toEqual([
      {
        id: a.id,
        name: "a",
        reason: "liveness",
        message: "Container a failed liveness probe, will be restarted",
      },
      {
        id: b.id,
        name: "b",
        reason: "changed",
        message: "Container b definition changed, will be restarted",
      },
    ]);
    const never = pod("Never");
    const n = container(never, "a", "running");
    const killed = computePodActions(never, status([n, container(never, "b", "running")]), {
      unhealthy: (id) => (id === n.id ? "Container a failed liveness probe, will be restarted" : undefined),
    });
    expect(killed.containersToStart).toEqual([]);
    expect(killed.containersToKill[0]?.message).toBe("Container a failed liveness probe");
  });

  it("recreates a dead sandbox with the next attempt, restarting everything", () => {
    const p = pod("Always");
    const s = status(
      [container(p, "a", "exited", { exitCode: 137 }), container(p, "b", "exited", { exitCode: 137 })],
      {
        ready: false,
        ips: [],
        attempt: 2,
      },
    );
    expect(computePodActions(p, s, healthy)).toMatchObject({
      killPod: true,
      createSandbox: true,
      attempt: 3,
      containersToStart: [0, 1],
    });
    const never = pod("Never");
    const dead = status([container(never, "a", "exited", { exitCode: 137 })], {
      ready: false,
      ips: [],
      attempt: 0,
    });
    expect(computePodActions(never, dead, healthy)).toMatchObject({ killPod: true, createSandbox: false });
  });

  it("recreates the sandbox when the network mode no longer matches", () => {
    const p = pod();
    p.spec = { ...p.spec, hostNetwork: true };
    expect(computePodActions(p, status([container(p, "a", "running")]), healthy)).toMatchObject({
      createSandbox: true,
      attempt: 1,
    });
  });
});
