/**
 * serveBindStream on an in-process gRPC server, driven by a raw grpc-js
 * client, with a scripted bind in place of the registry.
 */
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import {
  apiServerService,
  findResource,
  type BindRequest,
  type BindStreamRequest,
  type BindStreamResponse,
} from "@ktl/api";
import { notFound } from "@ktl/apimachinery";
import type { Logger } from "@ktl/service";
import { serveBindStream, type Bind, type BindStreamOptions } from "./bind-stream.js";

const PODS = findResource("", "pods")!;
const ClientConstructor = grpc.makeGenericClientConstructor(apiServerService, "ApiServer");
type Stream = grpc.ClientDuplexStream<BindStreamRequest, BindStreamResponse>;

/** A bind whose calls wait until the test settles them. */
class HeldBinds {
  readonly calls: { req: BindRequest; resolve(rv: string): void; reject(err: unknown): void }[] = [];
  readonly bind: Bind = (req) => new Promise((resolve, reject) => this.calls.push({ req, resolve, reject }));
  named(name: string) {
    return this.calls.find((c) => c.req.name === name)!;
  }
}

const errors: string[] = [];
const log: Logger = { info: () => undefined, warn: () => undefined, error: (msg) => errors.push(msg) };
const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((fn) => fn()));

async function open(
  bind: Bind,
  options?: BindStreamOptions,
): Promise<{ stream: Stream; answers: BindStreamResponse[]; status: Promise<grpc.StatusObject> }> {
  const server = new grpc.Server();
  server.addService(apiServerService, {
    BindStream: (call: grpc.ServerDuplexStream<BindStreamRequest, BindStreamResponse>) =>
      serveBindStream(call, bind, log, options),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  const client = new ClientConstructor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as {
    BindStream(): Stream;
  } & grpc.Client;
  cleanup.push(() => {
    client.close();
    server.forceShutdown();
  });
  const stream = client.BindStream();
  const answers: BindStreamResponse[] = [];
  stream.on("data", (res: BindStreamResponse) => answers.push(res));
  stream.on("error", () => undefined);
  const status = new Promise<grpc.StatusObject>((resolve) => stream.on("status", resolve));
  return { stream, answers, status };
}

const request = (id: number, name: string): BindStreamRequest => ({
  id,
  binding: { ref: { resource: "pods", version: "v1", namespace: "ns" }, name, nodeName: "n1" },
});

describe("serveBindStream", () => {
  it("answers each binding with its id as it completes, failures with their Status", async () => {
    const held = new HeldBinds();
    const { stream, answers } = await open(held.bind);
    stream.write(request(1, "a"));
    stream.write(request(2, "b"));
    stream.write(request(3, "gone"));
    stream.write(request(4, "broken"));
    await expect.poll(() => held.calls.length).toBe(4);
    expect(held.named("a").req).toMatchObject({ name: "a", nodeName: "n1", ref: { namespace: "ns" } });
    held.named("b").resolve("12");
    held.named("gone").reject(notFound(PODS, "gone"));
    held.named("broken").reject(new Error("etcd fell over"));
    held.named("a").resolve("13");
    await expect.poll(() => answers.length).toBe(4);
    expect(answers[0]).toEqual({ id: 2, resourceVersion: "12" });
    expect(answers[1]).toMatchObject({ id: 3, status: { code: 404, reason: "NotFound" } });
    expect(answers[2]).toMatchObject({ id: 4, status: { code: 500 } });
    expect(answers[3]).toEqual({ id: 1, resourceVersion: "13" });
    expect(errors).toContain("grpc call failed"); // a 5xx is logged, as for unary calls
  });

  it("ends the stream once the client has half-closed and every binding is answered", async () => {
    const held = new HeldBinds();
    const { stream, answers, status } = await open(held.bind);
    stream.write(request(1, "a"));
    await expect.poll(() => held.calls.length).toBe(1);
    stream.end();
    let ended = false;
    void status.then(() => (ended = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(ended).toBe(false);
    held.named("a").resolve("7");
    expect((await status).code).toBe(grpc.status.OK);
    expect(answers).toEqual([{ id: 1, resourceVersion: "7" }]);
  });

  it("stops reading while too many bindings are in flight", async () => {
    const held = new HeldBinds();
    const { stream, answers } = await open(held.bind, { maxInFlight: 2 });
    for (let i = 1; i <= 5; i++) stream.write(request(i, `p${i}`));
    await expect.poll(() => held.calls.length).toBe(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(held.calls.length).toBe(2);
    held.calls[0]!.resolve("1");
    await expect.poll(() => held.calls.length).toBe(3);
    for (const c of held.calls.slice(1)) c.resolve("2");
    await expect.poll(() => held.calls.length).toBe(5);
    for (const c of held.calls.slice(3)) c.resolve("3");
    await expect.poll(() => answers.length).toBe(5);
    expect(answers.map((a) => a.id).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
