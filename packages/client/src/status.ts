import type * as grpc from "@grpc/grpc-js";
import { STATUS_TRAILER, codecFor, type Status } from "@ktl/api";
import { StatusError, serviceUnavailable } from "@ktl/apimachinery";

export const statusCodec = codecFor<Status>("ktl.meta.v1.Status");

/** The error for a Status the server answered with (in a trailer or a stream message). */
export function statusError(status: Status, options?: ErrorOptions): StatusError {
  return new StatusError(status as never, options);
}

/** The server's Status from the trailer, or 503 when the apiserver could not be reached. */
export function toStatusError(err: grpc.ServiceError): StatusError {
  const bytes = err.metadata?.get(STATUS_TRAILER)[0];
  if (bytes instanceof Buffer) return statusError(statusCodec.decode(bytes), { cause: err });
  return serviceUnavailable(`the apiserver is unreachable: ${err.details || err.message}`);
}
