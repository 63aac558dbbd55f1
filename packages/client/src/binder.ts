import type * as grpc from "@grpc/grpc-js";
import type { BindStreamRequest, BindStreamResponse, ResourceRef } from "@ktl/api";
import { serviceUnavailable, type StatusError } from "@ktl/apimachinery";
import { statusError, toStatusError } from "./status.js";

/** What a binding answers: the bound pod's new resourceVersion. */
export interface BindResult {
  readonly resourceVersion: string;
}

export type BindStreamCall = grpc.ClientDuplexStream<BindStreamRequest, BindStreamResponse>;

interface Waiter {
  resolve(result: BindResult): void;
  reject(err: Error): void;
}

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
 * server stops reading while it cannot send answers.
 */
export class Binder {
  private open: Open | undefined;
  private nextId = 0;
  private closed = false;

  constructor(private readonly start: () => BindStreamCall) {}

  bind(ref: ResourceRef, name: string, nodeName: string): Promise<BindResult> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(serviceUnavailable("the binder is closed"));
      let open: Open;
      try {
        open = this.open ?? this.connect();
      } catch (err) {
        return reject(serviceUnavailable(`the apiserver is unreachable: ${(err as Error).message}`));
      }
      this.nextId = (this.nextId + 1) >>> 0; // ids wrap long after an answer frees them
      open.waiting.set(this.nextId, { resolve, reject });
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
    open.call.on("error", (err: grpc.ServiceError) => (failure = toStatusError(err)));
    open.call.on("status", () => {
      if (this.open === open) this.open = undefined;
      const err = failure ?? serviceUnavailable("the apiserver ended the binding stream");
      for (const waiter of open.waiting.values()) waiter.reject(err);
      open.waiting.clear();
    });
    this.open = open;
    return open;
  }
}
