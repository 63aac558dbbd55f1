import { describe, expect, it } from "vitest";
import { criCodec } from "./codec.js";
import { imageServiceDefinition, runtimeServiceDefinition } from "./grpc-services.js";
import type { ContainerConfig, ContainerStatus, ExecSyncResponse, PodSandboxStatus } from "./gen/types.js";

describe("CRI codec", () => {
  it("round-trips a container config with camelCase fields, enums as names and int64 as numbers", () => {
    const codec = criCodec<ContainerConfig>("ContainerConfig");
    const config: ContainerConfig = {
      metadata: { name: "web", attempt: 2 },
      image: { image: "docker.io/library/busybox:latest" },
      command: ["httpd"],
      args: ["-f", "-p", "8080"],
      envs: [{ key: "A", value: "1" }],
      mounts: [{ containerPath: "/data", hostPath: "/tmp/x", propagation: "PROPAGATION_HOST_TO_CONTAINER" }],
      labels: { app: "web" },
      logPath: "web/2.log",
      linux: {
        resources: {
          memoryLimitInBytes: 32 * 1024 * 1024,
          cpuQuota: 50_000,
          cpuPeriod: 100_000,
          oomScoreAdj: 1000,
        },
        securityContext: { namespaceOptions: { network: "POD", pid: "CONTAINER" }, runAsUser: { value: 0 } },
      },
    };
    const back = codec.decode(codec.encode(config));
    expect(back.metadata).toEqual({ name: "web", attempt: 2 });
    expect(back.linux?.resources?.memoryLimitInBytes).toBe(33_554_432);
    expect(back.linux?.securityContext?.namespaceOptions).toEqual({
      network: "POD",
      pid: "CONTAINER",
      ipc: "POD",
      targetId: "",
    });
    expect(back.mounts?.[0]?.propagation).toBe("PROPAGATION_HOST_TO_CONTAINER");
    expect(back.envs).toEqual([{ key: "A", value: "1" }]);
    expect(back.labels).toEqual({ app: "web" });
  });

  it("encodes with the CRI's field numbers (pod_sandbox_id = 1, config = 2)", () => {
    const codec = criCodec<{ podSandboxId: string }>("CreateContainerRequest");
    // field 1, wire type 2 (0x0a), length 3, "abc"
    expect(codec.encode({ podSandboxId: "abc" }).toString("hex")).toBe("0a03616263");
    const status = criCodec<ContainerStatus>("ContainerStatus");
    // exit_code = 7 (varint): tag 0x38; reason = 10: tag 0x52
    expect(status.encode({ exitCode: 137, reason: "OOMKilled" }).toString("hex")).toBe(
      "38890152094f4f4d4b696c6c6564",
    );
  });

  it("fills proto3 zero values on decode but leaves unset messages out", () => {
    const codec = criCodec<ContainerStatus>("ContainerStatus");
    const back = codec.decode(codec.encode({ id: "c1" }));
    // CONTAINER_CREATED is 0: the wire omits it, the decoded value has it.
    expect(back.state).toBe("CONTAINER_CREATED");
    expect(back.exitCode).toBe(0);
    expect(back.reason).toBe("");
    expect(back.labels).toEqual({});
    expect(back.mounts).toEqual([]);
    expect("metadata" in back).toBe(false);
    expect("image" in back).toBe(false);
  });

  it("keeps nanosecond timestamps to within 256 ns", () => {
    const codec = criCodec<PodSandboxStatus>("PodSandboxStatus");
    // A multiple of 256, so exactly representable as a double.
    const ns = 1_732_000_000_123_456_768;
    const back = codec.decode(codec.encode({ createdAt: ns }));
    expect(Math.abs((back.createdAt ?? 0) - ns)).toBeLessThanOrEqual(256);
  });

  it("returns bytes as Buffers", () => {
    const codec = criCodec<ExecSyncResponse>("ExecSyncResponse");
    const back = codec.decode(codec.encode({ stdout: Buffer.from("hi\n"), exitCode: 3 }));
    expect(Buffer.from(back.stdout ?? []).toString()).toBe("hi\n");
    expect(back.stderr).toHaveLength(0);
    expect(back.exitCode).toBe(3);
  });

  it("builds unary method definitions with the CRI's paths", () => {
    expect(runtimeServiceDefinition.RunPodSandbox?.path).toBe("/runtime.v1.RuntimeService/RunPodSandbox");
    expect(imageServiceDefinition.PullImage?.path).toBe("/runtime.v1.ImageService/PullImage");
    expect(Object.keys(runtimeServiceDefinition)).toHaveLength(14);
    expect(Object.keys(imageServiceDefinition)).toHaveLength(5);
  });
});
