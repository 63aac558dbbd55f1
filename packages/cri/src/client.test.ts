import * as grpc from "@grpc/grpc-js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CriClient } from "./client.js";
import { CriError, isDeadlineExceeded, isNotFound, isUnavailable } from "./errors.js";
import { imageServiceDefinition, runtimeServiceDefinition } from "./grpc-services.js";

// A small CRI server in this process, over a real unix socket.
let dir = "";
let server: grpc.Server;
let cri: CriClient;
const seen: unknown[] = [];

type Handler = grpc.handleUnaryCall<unknown, unknown>;
const reply =
  (fn: (req: unknown) => unknown): Handler =>
  (call, callback) => {
    seen.push(call.request);
    callback(null, fn(call.request));
  };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ktl-cri-client-"));
  server = new grpc.Server();
  server.addService(runtimeServiceDefinition, {
    Version: reply(() => ({ version: "0.1.0", runtimeName: "fake", runtimeApiVersion: "v1" })),
    ContainerStatus: ((_call, callback) =>
      callback({ code: grpc.status.NOT_FOUND, details: 'container "x" not found' })) as Handler,
    ExecSync: ((_call, callback) => {
      setTimeout(() => callback(null, { exitCode: 0 }), 2000);
    }) as Handler,
    ListContainers: reply(() => ({
      containers: [{ id: "c1", state: "CONTAINER_CREATED", createdAt: 1_700_000_000_000_000_000 }],
    })),
  });
  server.addService(imageServiceDefinition, {
    PullImage: reply(() => ({ imageRef: "sha256:abc" })),
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${join(dir, "cri.sock")}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  cri = new CriClient(join(dir, "cri.sock"), { timeoutMs: 5000 });
});

afterAll(async () => {
  cri?.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe("CriClient", () => {
  it("calls both services over a unix socket with plain objects", async () => {
    expect(cri.address).toBe(`unix://${join(dir, "cri.sock")}`);
    expect(await cri.version({ version: "v1" })).toEqual({
      version: "0.1.0",
      runtimeName: "fake",
      runtimeVersion: "",
      runtimeApiVersion: "v1",
    });
    expect(seen.at(-1)).toEqual({ version: "v1" });
    expect(await cri.pullImage({ image: { image: "busybox" } })).toEqual({ imageRef: "sha256:abc" });
    const { containers } = await cri.listContainers({ filter: { state: { state: "CONTAINER_RUNNING" } } });
    expect(containers?.[0]).toMatchObject({ id: "c1", state: "CONTAINER_CREATED", labels: {} });
  });

  it("turns gRPC errors into CriErrors", async () => {
    const err = await cri.containerStatus({ containerId: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CriError);
    expect(isNotFound(err)).toBe(true);
    expect((err as CriError).method).toBe("ContainerStatus");
    expect((err as CriError).details).toBe('container "x" not found');
    const unimplemented = await cri.removeImage({ image: { image: "x" } }).catch((e: unknown) => e);
    expect((unimplemented as CriError).code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it("applies per-call deadlines and cancellation", async () => {
    const late = await cri
      .execSync({ containerId: "c1", cmd: ["true"] }, { timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect(isDeadlineExceeded(late)).toBe(true);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const aborted = await cri
      .execSync({ containerId: "c1", cmd: ["true"] }, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect((aborted as CriError).code).toBe(grpc.status.CANCELLED);
  });

  it("reports a runtime that does not listen as unavailable", async () => {
    const nobody = new CriClient(`unix://${join(dir, "nobody.sock")}`, { timeoutMs: 1000 });
    try {
      const err = await nobody.version({}).catch((e: unknown) => e);
      expect(isUnavailable(err)).toBe(true);
    } finally {
      nobody.close();
    }
  });
});
