import type * as grpc from "@grpc/grpc-js";
import type { BindRequest, BindStreamRequest, BindStreamResponse } from "@ktl/api";
import type { Logger } from "@ktl/service";
import { statusOf } from "./errors.js";

/** Binds as unary Bind does; resolves with the bound pod's resourceVersion. */
export type Bind = (req: BindRequest) => Promise<string>;

/**
 * Bindings one stream may have in flight before the server stops reading it
 * (HTTP/2 flow control then holds the client back); far above what a
 * scheduler keeps in flight, it only bounds a client that does not wait.
 */
const MAX_IN_FLIGHT = 1024;

export interface BindStreamOptions {
  readonly maxInFlight?: number;
}

/**
 * Serves ApiServer.BindStream: every request is bound as unary Bind binds it
 * and answered with its id as soon as it completes, in whatever order they
 * complete (group commits finish many at once). Reading pauses while answers
 * cannot be written (write() returned false) or too many are in flight; the
 * stream ends once the client has half-closed and every binding is answered.
 */
export function serveBindStream(
  call: grpc.ServerDuplexStream<BindStreamRequest, BindStreamResponse>,
  bind: Bind,
  log: Logger,
  { maxInFlight = MAX_IN_FLIGHT }: BindStreamOptions = {},
): void {
  let inFlight = 0;
  let blocked = false; // a write returned false; 'drain' clears it
  let halfClosed = false;
  let done = false; // ended by us, or cancelled by the client

  const flow = (): void => {
    if (done) return;
    if (halfClosed && inFlight === 0) {
      done = true;
      call.end();
      return;
    }
    const hold = blocked || inFlight >= maxInFlight;
    if (hold && !call.isPaused()) call.pause();
    else if (!hold && call.isPaused()) call.resume();
  };
  const answer = (res: BindStreamResponse): void => {
    inFlight--;
    if (!done && !call.write(res)) blocked = true;
    flow();
  };

  call.on("data", (req: BindStreamRequest) => {
    const id = req.id ?? 0;
    inFlight++;
    bind(req.binding ?? {}).then(
      (resourceVersion) => answer({ id, resourceVersion }),
      (err: unknown) => answer({ id, status: statusOf(log, err) }),
    );
    flow();
  });
  call.on("drain", () => {
    blocked = false;
    flow();
  });
  call.on("end", () => {
    halfClosed = true;
    flow();
  });
  // Bindings already started still complete; their answers have nowhere to go.
  const abandon = (): void => {
    done = true;
  };
  call.on("cancelled", abandon);
  call.on("error", abandon);
}
