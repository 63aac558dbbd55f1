import { describe, expect, it } from "vitest";
import { describeNode, KUBELET_VERSION, runtimeVersionString } from "./describe.js";
import { nodeConditions, nodeStatus, READY, sameStatus, statusPatch } from "./node-status.js";
import { goArch, parseOsRelease, readSystemInfo, type SystemInfo } from "./system-info.js";

const system: SystemInfo = {
  machineID: "m1",
  systemUUID: "u1",
  bootID: "b1",
  kernelVersion: "6.1.0",
  osImage: "Debian GNU/Linux 12 (bookworm)",
  operatingSystem: "linux",
  architecture: "amd64",
};

const description = describeNode({
  name: "node-1",
  nodeIp: "127.0.0.1",
  port: 10250,
  resources: { cpu: 4, memoryBytes: 8 * 1024 ** 3, maxPods: 110 },
  extraLabels: { zone: "a", "kubernetes.io/hostname": "override-wins" },
  taints: [],
  system,
  runtimeVersion: runtimeVersionString({ runtimeName: "containerd", runtimeVersion: "1.6.20" }),
});

describe("node description", () => {
  it("has the well-known labels, --node-labels on top", () => {
    expect(description.labels).toMatchObject({
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "kubernetes.io/hostname": "override-wins",
      zone: "a",
    });
  });

  it("reports capacity = allocatable with memory in Ki, and the node info", () => {
    expect(description.capacity).toEqual({ cpu: "4", memory: "8388608Ki", pods: "110" });
    expect(description.allocatable).toEqual(description.capacity);
    expect(description.nodeInfo).toMatchObject({
      kubeletVersion: KUBELET_VERSION,
      containerRuntimeVersion: "containerd://1.6.20",
      osImage: "Debian GNU/Linux 12 (bookworm)",
      operatingSystem: "linux",
      architecture: "amd64",
      machineID: "m1",
      bootID: "b1",
    });
    expect(KUBELET_VERSION).toMatch(/^v1\.\d+\.\d+(\+[\w.-]+)?$/);
  });
});

describe("node status", () => {
  it("has addresses, the kubelet port and four conditions with heartbeat and transition times", () => {
    const status = nodeStatus({
      description,
      readiness: READY,
      previous: undefined,
      now: "2025-01-01T00:00:00Z",
    });
    expect(status.addresses).toEqual([
      { type: "InternalIP", address: "127.0.0.1" },
      { type: "Hostname", address: "node-1" },
    ]);
    expect(status.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 10250 } });
    expect(status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["MemoryPressure", "False", "KubeletHasSufficientMemory"],
      ["DiskPressure", "False", "KubeletHasNoDiskPressure"],
      ["PIDPressure", "False", "KubeletHasSufficientPID"],
      ["Ready", "True", "KubeletReady"],
    ]);
    const ready = status.conditions?.[3];
    expect(ready?.message).toBe("kubelet is posting ready status");
    expect(ready?.lastHeartbeatTime).toBe("2025-01-01T00:00:00Z");
    expect(ready?.lastTransitionTime).toBe("2025-01-01T00:00:00Z");
  });

  it("keeps lastTransitionTime while a condition's status stays, moves it when it flips", () => {
    const notReady = {
      ready: false,
      reason: "NetworkPluginNotReady",
      message: "network not ready: waiting for podCIDR",
    };
    const first = nodeConditions(notReady, undefined, "2025-01-01T00:00:00Z");
    const second = nodeConditions(notReady, first, "2025-01-01T00:01:00Z");
    const ready = (cs: typeof first) => cs.find((c) => c.type === "Ready");
    expect(ready(second)).toMatchObject({
      status: "False",
      lastHeartbeatTime: "2025-01-01T00:01:00Z",
      lastTransitionTime: "2025-01-01T00:00:00Z",
    });
    const third = nodeConditions(READY, second, "2025-01-01T00:02:00Z");
    expect(ready(third)).toMatchObject({ status: "True", lastTransitionTime: "2025-01-01T00:02:00Z" });
    expect(third[0]?.lastTransitionTime).toBe("2025-01-01T00:00:00Z");
  });

  it("tells heartbeat-only differences from real changes, and patches only what changed", () => {
    const a = nodeStatus({ description, readiness: READY, previous: undefined, now: "2025-01-01T00:00:00Z" });
    const b = nodeStatus({
      description,
      readiness: READY,
      previous: a.conditions,
      now: "2025-01-01T00:00:10Z",
    });
    expect(sameStatus(a, b)).toBe(true);
    expect(statusPatch(a, b)).toEqual({ status: { conditions: b.conditions } });
    const moved = nodeStatus({
      description: { ...description, port: 10251 },
      readiness: READY,
      previous: a.conditions,
      now: "2025-01-01T00:00:10Z",
    });
    expect(sameStatus(a, moved)).toBe(false);
    expect(Object.keys(statusPatch(a, moved).status).sort()).toEqual(["conditions", "daemonEndpoints"]);
    const down = nodeStatus({
      description,
      readiness: { ready: false, reason: "KubeletNotReady", message: "container runtime is down" },
      previous: a.conditions,
      now: "2025-01-01T00:00:10Z",
    });
    expect(sameStatus(a, down)).toBe(false);
  });
});

describe("system info", () => {
  it("reads PRETTY_NAME, quoted or not", () => {
    expect(parseOsRelease('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')).toBe(
      "Debian GNU/Linux 12 (bookworm)",
    );
    expect(parseOsRelease("PRETTY_NAME=Alpine\n")).toBe("Alpine");
    expect(parseOsRelease("NAME=x\n")).toBeUndefined();
  });

  it("maps Node's arch names to Go's", () => {
    expect(goArch("x64")).toBe("amd64");
    expect(goArch("arm64")).toBe("arm64");
  });

  it("leaves unreadable files empty instead of failing", async () => {
    const files: Record<string, string> = {
      "/etc/os-release": 'PRETTY_NAME="Test OS 1"\n',
      "/etc/machine-id": "abc\n",
      "/proc/sys/kernel/random/boot_id": "boot\n",
    };
    const info = await readSystemInfo((p) =>
      p in files ? Promise.resolve(files[p] as string) : Promise.reject(new Error("EACCES")),
    );
    expect(info).toMatchObject({ osImage: "Test OS 1", machineID: "abc", bootID: "boot", systemUUID: "" });
    expect(info.kernelVersion).not.toBe("");
  });
});
