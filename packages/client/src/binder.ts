import * as grpc from "@grpc/grpc-js";
import type { BindStreamRequest, BindStreamResponse, ResourceRef } from "@ktl/api";
import { serviceUnavailable, type StatusError } from "@ktl/apimachinery";
import { statusError, toStatusError } from "./status.js";

/** What a binding answers: the bound pod's new resourceVersion. */
export interface BindResult {
  readonly resourceVersion: string;
}

export type BindStreamCall = grpc.ClientDuplexStream<BindStreamRequest, BindStreamResponse>;

/** A binding sent on a stream, until its answer comes. */
interface Waiter {
  readonly binding: Binding;
  readonly resolve: (result: BindResult) => void;
  readonly reject: (err: Error) => void;
}

interface Binding {
  readonly ref: ResourceRef;
  readonly name: string;
  readonly nodeName: string;
}

/** The unary Bind, for an apiserver that does not serve BindStream. */
export type UnaryBind = (binding: Binding) => Promise<BindResult>;

/** One open stream and the bindings sent on it that await their answer. */
interface Open {
  readonly call: BindStreamCall;
  readonly waiting: Map<number, Waiter>;
}

/**
 * Bindings over one long-lived ApiServer.BindStream instead of a unary call
 * each: grpc-js's per-call cost (HTTP/2 stream, metadata, promise plumbing)
 * is paid once on both ends. The stream opens with the first binding and
 * again with the first one after it broke. Answers come by id in any order;
 * a failed binding rejects with the Status unary Bind would have carried,
 * and a broken stream rejects everything still waiting on it with 503, so
 * callers handle both as they handle unary Bind's failures.
 *
 * Writes are not held back when the stream's buffer is full: callers bound
 * their bindings in flight (the scheduler's --max-in-flight-binds), and the
 * server stops reading while it cannot send answers. An apiserver from before
 * BindStream (UNIMPLEMENTED, e.g. during a rolling upgrade) gets unary Binds
 * from then on, the waiting bindings included.
 */
export class Binder {
  private open: Open | undefined;
  private nextId = 0;
  private closed = false;
  private unaryOnly = false;

  constructor(
    private readonly start: () => BindStreamCall,
    private readonly unary: UnaryBind,
  ) {}

  bind(ref: ResourceRef, name: string, nodeName: string): Promise<BindResult> {
    if (this.unaryOnly) return this.unary({ ref, name, nodeName });
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(serviceUnavailable("the binder is closed"));
      let open: Open;
      try {
        open = this.open ?? this.connect();
      } catch (err) {
        return reject(serviceUnavailable(`the apiserver is unreachable: ${(err as Error).message}`));
      }
      this.nextId = (this.nextId + 1) >>> 0; // ids wrap long after an answer frees them
      open.waiting.set(this.nextId, { binding: { ref, name, nodeName }, resolve, reject });
      open.call.write({ id: this.nextId, binding: { ref, name, nodeName } });
    });
  }

  /** Half-closes the stream: bindings in flight are still answered, then the server ends it. */
  close(): void {
    this.closed = true;
    this.open?.call.end();
  }

  private connect(): Open {
    const open: Open = { call: this.start(), waiting: new Map() };
    let failure: StatusError | undefined;
    open.call.on("data", (res: BindStreamResponse) => {
      const waiter = open.waiting.get(res.id ?? 0);
      if (!waiter) return;
      open.waiting.delete(res.id ?? 0);
      if (res.status) waiter.reject(statusError(res.status));
      else waiter.resolve({ resourceVersion: res.resourceVersion ?? "" });
    });
    // 'error' (a non-OK status) comes just before 'status', which ends every call.
    open.call.on("error", (err: grpc.ServiceError) => {
      if (err.code === grpc.status.UNIMPLEMENTED) this.unaryOnly = true;
      failure = toStatusError(err);
    });
    open.call.on("status", () => {
      if (this.open === open) this.open = undefined;
      const err = failure ?? serviceUnavailable("the apiserver ended the binding stream");
      for (const waiter of open.waiting.values()) {
        if (this.unaryOnly) this.unary(waiter.binding).then(waiter.resolve, waiter.reject);
        else waiter.reject(err);
      }
      open.waiting.clear();
    });
    this.open = open;
    return open;
  }
}
