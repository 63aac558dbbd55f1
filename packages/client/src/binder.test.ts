/**
 * ApiClient.bindStreamed (Binder) against a tiny in-process gRPC server that
 * serves only BindStream, scripted per pod name.
 */
import * as grpc from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiServerService, findResource, type BindStreamRequest, type BindStreamResponse } from "@ktl/api";
import { conflict, isConflict, isNotFound, notFound, StatusError } from "@ktl/apimachinery";
import { ApiClient } from "./client.js";

const PODS = findResource("", "pods")!;
type Call = grpc.ServerDuplexStream<BindStreamRequest, BindStreamResponse>;

/** Answers "missing" with 404, "taken" with 409, holds "hold-*" until released, binds the rest. */
class ScriptedServer {
  readonly server = new grpc.Server();
  readonly calls: Call[] = [];
  readonly received: BindStreamRequest[] = [];
  readonly held = new Map<string, () => void>();
  address = "";

  async start(): Promise<void> {
    this.server.addService(apiServerService, { BindStream: (call: Call) => this.serve(call) });
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    this.address = `127.0.0.1:${port}`;
  }

  private serve(call: Call): void {
    this.calls.push(call);
    call.on("data", (req: BindStreamRequest) => {
      this.received.push(req);
      const name = req.binding?.name ?? "";
      const answer = (): void => {
        if (name === "missing") call.write({ id: req.id, status: notFound(PODS, name).status });
        else if (name === "taken") call.write({ id: req.id, status: conflict(PODS, name, "taken").status });
        else call.write({ id: req.id, resourceVersion: `rv-${name}@${req.binding?.nodeName}` });
      };
      if (name.startsWith("hold-")) this.held.set(name, answer);
      else answer();
    });
    call.on("end", () => call.end());
  }
}

describe("ApiClient.bindStreamed", () => {
  let scripted: ScriptedServer;
  let client: ApiClient;
  beforeEach(async () => {
    scripted = new ScriptedServer();
    await scripted.start();
    client = new ApiClient(scripted.address);
  });
  afterEach(() => {
    client.close();
    scripted.server.forceShutdown();
  });

  it("answers each binding by its id, in the order they complete, over one stream", async () => {
    const order: string[] = [];
    const held = client.bindStreamed("ns", "hold-a", "n1").then((r) => order.push(r.resourceVersion));
    const quick = client.bindStreamed("ns", "b", "n2").then((r) => order.push(r.resourceVersion));
    await quick;
    await expect.poll(() => scripted.held.size).toBe(1);
    scripted.held.get("hold-a")!();
    await held;
    expect(order).toEqual(["rv-b@n2", "rv-hold-a@n1"]);
    expect(scripted.calls).toHaveLength(1);
    expect(scripted.received.map((r) => r.binding?.ref)).toEqual([
      expect.objectContaining({ resource: "pods", namespace: "ns" }),
      expect.objectContaining({ resource: "pods", namespace: "ns" }),
    ]);
    expect(new Set(scripted.received.map((r) => r.id)).size).toBe(2);
  });

  it("rejects a failed binding with the server's Status and keeps the stream for the others", async () => {
    const missing = client.bindStreamed("ns", "missing", "n1");
    const taken = client.bindStreamed("ns", "taken", "n1");
    await expect(missing).rejects.toSatisfy(isNotFound);
    await expect(taken).rejects.toSatisfy(isConflict);
    await expect(client.bindStreamed("ns", "c", "n1")).resolves.toEqual({ resourceVersion: "rv-c@n1" });
    expect(scripted.calls).toHaveLength(1);
  });

  it("rejects what is pending with 503 when the stream breaks, and opens a new one for the next binding", async () => {
    await client.bindStreamed("ns", "a", "n1");
    const pending = [client.bindStreamed("ns", "hold-x", "n1"), client.bindStreamed("ns", "hold-y", "n1")];
    await expect.poll(() => scripted.held.size).toBe(2);
    scripted.calls[0]!.emit("error", Object.assign(new Error("boom"), { code: grpc.status.UNAVAILABLE }));
    for (const p of pending) {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StatusError);
      expect((err as StatusError).code).toBe(503);
    }
    await expect(client.bindStreamed("ns", "b", "n1")).resolves.toEqual({ resourceVersion: "rv-b@n1" });
    expect(scripted.calls).toHaveLength(2);
  });

  it("rejects pending bindings with 503 when the server goes away", async () => {
    const pending = client.bindStreamed("ns", "hold-z", "n1");
    await expect.poll(() => scripted.held.size).toBe(1);
    scripted.server.forceShutdown();
    await expect(pending).rejects.toSatisfy((err: unknown) => (err as StatusError).code === 503);
    await expect(client.bindStreamed("ns", "after", "n1")).rejects.toSatisfy(
      (err: unknown) => (err as StatusError).code === 503,
    );
  });

  it("still answers bindings in flight after close(), then the stream ends", async () => {
    const pending = client.bindStreamed("ns", "hold-q", "n1");
    await expect.poll(() => scripted.held.size).toBe(1);
    client.close();
    await expect(client.bindStreamed("ns", "late", "n1")).rejects.toSatisfy(
      (err: unknown) => (err as StatusError).code === 503,
    );
    scripted.held.get("hold-q")!();
    await expect(pending).resolves.toEqual({ resourceVersion: "rv-hold-q@n1" });
  });

  it("falls back to unary Bind for an apiserver without BindStream, the waiting bindings included", async () => {
    const old = new grpc.Server();
    const unary: string[] = [];
    old.addService(apiServerService, {
      Bind: (
        call: grpc.ServerUnaryCall<{ name?: string; nodeName?: string }, unknown>,
        callback: grpc.sendUnaryData<{ resourceVersion: string }>,
      ) => {
        unary.push(call.request.name ?? "");
        callback(null, { resourceVersion: `rv-${call.request.name}@${call.request.nodeName}` });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      old.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const legacy = new ApiClient(`127.0.0.1:${port}`);
    try {
      const first = await Promise.all([
        legacy.bindStreamed("default", "a", "n1"),
        legacy.bindStreamed("default", "b", "n2"),
      ]);
      expect(first.map((r) => r.resourceVersion)).toEqual(["rv-a@n1", "rv-b@n2"]);
      expect(await legacy.bindStreamed("default", "c", "n3")).toEqual({ resourceVersion: "rv-c@n3" });
      expect(unary.sort()).toEqual(["a", "b", "c"]);
    } finally {
      legacy.close();
      old.forceShutdown();
    }
  });
});
