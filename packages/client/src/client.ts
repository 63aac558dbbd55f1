import * as grpc from "@grpc/grpc-js";
import {
  apiServerService,
  findResource,
  objectCodec,
  type Codec,
  type DeleteOptions,
  type ListMeta,
  type ObjectMeta,
  type ResourceInfo,
  type ResourceRef,
  type Status,
} from "@ktl/api";
import { Binder, type BindResult, type BindStreamCall } from "./binder.js";
import { statusCodec, toStatusError } from "./status.js";

export type { BindResult } from "./binder.js";

/** Any API object. */
export interface ApiObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
  readonly resourceVersion?: string;
}

export interface WatchOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly resourceVersion?: string;
  readonly allowWatchBookmarks?: boolean;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEvent<T> {
  readonly type: WatchEventType;
  /** The object; for ERROR, use `status`. */
  readonly object: T;
  readonly status?: Status;
}

type Callback = (err: grpc.ServiceError | null, value?: unknown) => void;
type GenericClient = grpc.Client & Record<string, (req: unknown, ...rest: unknown[]) => unknown>;

const PODS = findResource("", "pods")!; // eslint-disable-line @typescript-eslint/no-non-null-assertion
const ClientConstructor = grpc.makeGenericClientConstructor(apiServerService, "ApiServer");

/**
 * The apiserver's gRPC API for the cluster's services. Objects are plain JSON
 * shapes (the generated types); protobuf is only the wire format. Failures are
 * StatusErrors carrying the server's Kubernetes Status, so callers use the same
 * guards (isNotFound, isConflict, ...) as on the REST side.
 */
export class ApiClient {
  private readonly client: GenericClient;
  private readonly binder = new Binder(
    () => (this.client.BindStream as () => BindStreamCall).call(this.client),
    (b) => this.bind(b.ref.namespace || undefined, b.name, b.nodeName),
  );

  constructor(address: string, options: grpc.ClientOptions = {}) {
    this.client = new ClientConstructor(address, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": 256 * 1024 * 1024,
      ...options,
    }) as unknown as GenericClient;
  }

  close(): void {
    this.binder.close();
    this.client.close();
  }

  async get<T extends ApiObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
  ): Promise<T> {
    const res = (await this.unary("Get", { ref: ref(info, namespace), name })) as { raw: Buffer };
    return codec<T>(info).decode(res.raw);
  }

  async list<T extends ApiObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    options: ListOptions = {},
  ): Promise<{ metadata: ListMeta; items: T[] }> {
    const res = (await this.unary("List", { ref: ref(info, namespace), ...options })) as {
      metadata?: ListMeta;
      items?: Buffer[];
    };
    const c = codec<T>(info);
    return { metadata: res.metadata ?? {}, items: (res.items ?? []).map((b) => c.decode(b)) };
  }

  async create<T extends ApiObject>(info: ResourceInfo, namespace: string | undefined, obj: T): Promise<T> {
    const res = (await this.unary("Create", {
      ref: ref(info, namespace),
      object: Buffer.from(codec<T>(info).encode(obj)),
    })) as { raw: Buffer };
    return codec<T>(info).decode(res.raw);
  }

  async update<T extends ApiObject>(
    info: ResourceInfo,
    obj: T,
    subresource?: "status" | "finalize",
  ): Promise<T> {
    const res = (await this.unary("Update", {
      ref: ref(info, obj.metadata?.namespace),
      subresource,
      object: Buffer.from(codec<T>(info).encode(obj)),
    })) as { raw: Buffer };
    return codec<T>(info).decode(res.raw);
  }

  updateStatus<T extends ApiObject>(info: ResourceInfo, obj: T): Promise<T> {
    return this.update(info, obj, "status");
  }

  async patch<T extends ApiObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options: { patchType?: string; subresource?: string } = {},
  ): Promise<T> {
    const res = (await this.unary("Patch", {
      ref: ref(info, namespace),
      name,
      subresource: options.subresource,
      patchType: options.patchType ?? "application/merge-patch+json",
      patch: JSON.stringify(patch),
    })) as { raw: Buffer };
    return codec<T>(info).decode(res.raw);
  }

  async delete<T extends ApiObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<T> {
    const res = (await this.unary("Delete", { ref: ref(info, namespace), name, options })) as { raw: Buffer };
    return codec<T>(info).decode(res.raw);
  }

  /**
   * pods/binding: assigns an unbound pod to `nodeName`; answers with the bound
   * pod's resourceVersion (the pod itself arrives on a watch). Fails with 409
   * Conflict when the pod is already bound or being deleted, 404 when it is gone.
   */
  async bind(namespace: string | undefined, name: string, nodeName: string): Promise<BindResult> {
    const res = (await this.unary("Bind", { ref: ref(PODS, namespace), name, nodeName })) as {
      resourceVersion?: string;
    };
    return { resourceVersion: res.resourceVersion ?? "" };
  }

  /**
   * bind, over one long-lived stream shared by this client's bindings (see
   * Binder): the same answers and failures, without a gRPC call per binding.
   * For callers that bind continuously, as the scheduler does.
   */
  bindStreamed(namespace: string | undefined, name: string, nodeName: string): Promise<BindResult> {
    return this.binder.bind(ref(PODS, namespace), name, nodeName);
  }

  /**
   * Streams events until the server ends the watch or `signal` aborts. An
   * expired resourceVersion arrives as an ERROR event whose status has code
   * 410: the caller relists.
   */
  async *watch<T extends ApiObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    options: WatchOptions = {},
    signal?: AbortSignal,
  ): AsyncGenerator<WatchEvent<T>> {
    const startWatch = this.client.Watch as (
      req: unknown,
    ) => grpc.ClientReadableStream<{ type: WatchEventType; object: Buffer }>;
    const call = startWatch.call(this.client, { ref: ref(info, namespace), ...options });
    const abort = (): void => call.cancel();
    signal?.addEventListener("abort", abort, { once: true });
    const c = codec<T>(info);
    try {
      for await (const event of call as AsyncIterable<{ type: WatchEventType; object: Buffer }>) {
        if (event.type === "ERROR") {
          const status = statusCodec.decode(event.object);
          yield { type: "ERROR", object: {} as T, status };
        } else {
          yield { type: event.type, object: c.decode(event.object) };
        }
      }
    } catch (err) {
      if ((err as grpc.ServiceError).code === grpc.status.CANCELLED && signal?.aborted) return;
      throw toStatusError(err as grpc.ServiceError);
    } finally {
      signal?.removeEventListener("abort", abort);
      call.cancel();
    }
  }

  private unary(method: string, request: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const fn = this.client[method] as (req: unknown, cb: Callback) => void;
      fn.call(this.client, request, (err: grpc.ServiceError | null, value?: unknown) => {
        if (err) reject(toStatusError(err));
        else resolve(value);
      });
    });
  }
}

function ref(info: ResourceInfo, namespace: string | undefined): ResourceRef {
  return {
    group: info.group,
    version: info.version,
    resource: info.resource,
    namespace: info.namespaced ? namespace : undefined,
  };
}

const codecs = new Map<ResourceInfo, Codec<unknown>>();
function codec<T>(info: ResourceInfo): Codec<T> {
  let c = codecs.get(info);
  if (!c) {
    c = objectCodec<object>(info);
    codecs.set(info, c);
  }
  return c as Codec<T>;
}
