import * as grpc from "@grpc/grpc-js";
import {
  apiServerService,
  codecFor,
  findResource,
  objectCodec,
  type BindRequest,
  type BindStreamRequest,
  type BindStreamResponse,
  type Codec,
  type CreateRequest,
  type DeleteRequest,
  type GetRequest,
  type ListRequest,
  type PatchRequest,
  type ResourceInfo,
  type ResourceRef,
  type UpdateRequest,
  type WatchRequest,
} from "@ktl/api";
import { badRequest, notFound, toStatusError } from "@ktl/apimachinery";
import type { Logger } from "@ktl/service";
import { patchObject } from "../registry/patch.js";
import { bindPod } from "../registry/subresources.js";
import type { Reads } from "../registry/reads.js";
import type { Registry } from "../registry/registry.js";
import type { KubeObject } from "../storage/object.js";
import { serveBindStream } from "./bind-stream.js";
import { statusCodec, toServiceError } from "./errors.js";

export interface GrpcDeps {
  readonly registry: Registry;
  readonly reads: Reads;
  readonly log: Logger;
}

/** Watch streams whose client lags by more than this are closed (the client re-watches). */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

type Raw = { raw: Buffer };
type Unary<Req> = grpc.handleUnaryCall<Req, unknown>;

/**
 * The gRPC front door. Each call resolves its resource and goes through the
 * same Registry and Reads as REST, so the two cannot drift apart.
 */
export function createGrpcServer(deps: GrpcDeps): grpc.Server {
  const server = new grpc.Server({ "grpc.max_receive_message_length": 4 * 1024 * 1024 });
  const handlers: grpc.UntypedServiceImplementation = {
    Get: unary<GetRequest>(deps, async (req) => {
      const { info, codec } = resolve(req.ref);
      return raw(codec, await deps.reads.get(info, req.ref?.namespace || undefined, req.name ?? ""));
    }),
    List: unary<ListRequest>(deps, async (req) => {
      const { info, codec } = resolve(req.ref);
      const list = await deps.reads.list(info, {
        namespace: req.ref?.namespace || undefined,
        labelSelector: req.labelSelector,
        fieldSelector: req.fieldSelector,
        limit: req.limit,
        continue: req.continue || undefined,
        resourceVersion: req.resourceVersion,
      });
      return {
        metadata: { resourceVersion: list.resourceVersion, continue: list.continue },
        items: list.items.map((obj) => Buffer.from(codec.encode(obj))),
      };
    }),
    Watch: (call: grpc.ServerWritableStream<WatchRequest, unknown>) => void watch(deps, call),
    Create: unary<CreateRequest>(deps, async (req) => {
      const { info, codec } = resolve(req.ref);
      const obj = decodeObject(codec, req.object);
      const created = await deps.registry.create(info, req.ref?.namespace || undefined, obj, {
        dryRun: req.dryRun?.includes("All"),
      });
      return raw(codec, created);
    }),
    Update: unary<UpdateRequest>(deps, async (req) => {
      const { info, codec } = resolve(req.ref);
      const obj = decodeObject(codec, req.object);
      if (req.subresource === "finalize") {
        const name = obj.metadata?.name ?? "";
        if (!info.subresources.includes("finalize")) throw notFound(info, `${name}/finalize`);
        return raw(
          codec,
          await deps.registry.finalize(info, name, obj, { dryRun: req.dryRun?.includes("All") }),
        );
      }
      const updated = await deps.registry.update(
        info,
        req.ref?.namespace || undefined,
        obj.metadata?.name ?? "",
        obj,
        {
          dryRun: req.dryRun?.includes("All"),
          subresource: req.subresource === "status" ? "status" : undefined,
        },
      );
      return raw(codec, updated);
    }),
    Patch: unary<PatchRequest>(deps, async (req) => {
      const { info, codec } = resolve(req.ref);
      let patch: unknown;
      try {
        patch = JSON.parse(req.patch ?? "");
      } catch (err) {
        throw badRequest(`the patch is not valid JSON: ${(err as Error).message}`);
      }
      const result = await patchObject(deps.registry, deps.reads, {
        info,
        namespace: req.ref?.namespace || undefined,
        name: req.name ?? "",
        subresource: req.subresource || undefined,
        patchType: req.patchType ?? "",
        patch,
        options: {},
      });
      if (req.subresource === "scale")
        return { raw: Buffer.from(codecFor("ktl.autoscaling.v1.Scale").encode(result)) };
      return raw(codec, result as KubeObject);
    }),
    Delete: unary<DeleteRequest>(deps, async (req) => {
      const { info, codec } = resolve(req.ref);
      const options = req.options ?? {};
      const result = await deps.registry.delete(info, req.ref?.namespace || undefined, req.name ?? "", {
        gracePeriodSeconds: options.gracePeriodSeconds,
        preconditions: options.preconditions,
        propagationPolicy: options.propagationPolicy as "Orphan" | "Background" | "Foreground" | undefined,
        orphanDependents: options.orphanDependents,
        dryRun: options.dryRun?.includes("All"),
      });
      return raw(codec, result.obj);
    }),
    Bind: unary<BindRequest>(deps, async (req) => ({ resourceVersion: await bind(deps, req) })),
    BindStream: (call: grpc.ServerDuplexStream<BindStreamRequest, BindStreamResponse>) =>
      serveBindStream(call, (req) => bind(deps, req), deps.log),
  };
  server.addService(apiServerService, handlers);
  return server;
}

/** pods/binding, for Bind and BindStream alike: the bound pod's resourceVersion. */
async function bind(deps: GrpcDeps, req: BindRequest): Promise<string> {
  const { info } = resolve(req.ref);
  const namespace = req.ref?.namespace || undefined;
  const name = req.name ?? "";
  if (!info.subresources.includes("binding")) throw notFound(info, `${name}/binding`);
  const bound = await bindPod(deps.registry, info, namespace, name, {
    metadata: { name, namespace },
    target: { kind: "Node", name: req.nodeName ?? "" },
  });
  return bound.metadata?.resourceVersion ?? "";
}

function resolve(ref: ResourceRef | undefined): { info: ResourceInfo; codec: Codec<KubeObject> } {
  const info = findResource(ref?.group ?? "", ref?.resource ?? "");
  if (!info || info.storage !== "etcd") {
    throw notFound({ group: ref?.group ?? "", resource: ref?.resource ?? "" }, "");
  }
  return { info, codec: objectCodec<KubeObject>(info) };
}

function decodeObject(codec: Codec<KubeObject>, bytes: unknown): KubeObject {
  if (!(bytes instanceof Uint8Array)) throw badRequest("the request carries no object");
  try {
    return codec.decode(bytes);
  } catch (err) {
    throw badRequest(`the object could not be decoded: ${(err as Error).message}`);
  }
}

function raw(codec: Codec<KubeObject>, obj: KubeObject): Raw {
  return { raw: Buffer.from(codec.encode(obj)) };
}

function unary<Req>(deps: GrpcDeps, fn: (req: Req) => Promise<unknown>): Unary<Req> {
  return (call, callback) => {
    fn(call.request).then(
      (value) => callback(null, value),
      (err: unknown) => callback(toServiceError(deps.log, err)),
    );
  };
}

async function watch(deps: GrpcDeps, call: grpc.ServerWritableStream<WatchRequest, unknown>): Promise<void> {
  const req = call.request;
  let cancel: () => void = () => undefined;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    cancel();
    call.end();
  };
  call.on("cancelled", end);
  call.on("error", end);
  try {
    const { info, codec } = resolve(req.ref);
    cancel = await deps.reads.watch(
      {
        info,
        namespace: req.ref?.namespace || undefined,
        labelSelector: req.labelSelector,
        fieldSelector: req.fieldSelector,
        resourceVersion: req.resourceVersion,
        allowWatchBookmarks: req.allowWatchBookmarks,
      },
      {
        send(type, obj) {
          if (ended) return true;
          call.write({ type, object: Buffer.from(codec.encode(obj)) });
          return call.writableLength < MAX_BUFFERED_BYTES;
        },
        close: end,
      },
    );
    if (ended) cancel();
  } catch (err) {
    const status = toStatusError(err).status;
    call.write({ type: "ERROR", object: Buffer.from(statusCodec.encode(status)) });
    end();
  }
}
