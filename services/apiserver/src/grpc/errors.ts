import * as grpc from "@grpc/grpc-js";
import { STATUS_TRAILER, codecFor, grpcCodeForHttp } from "@ktl/api";
import { toStatusError, type Status } from "@ktl/apimachinery";
import type { Logger } from "@ktl/service";

export const statusCodec = codecFor<Status>("ktl.meta.v1.Status");

/** The Kubernetes Status a failure answers with; server-side faults (5xx) are logged. */
export function statusOf(log: Logger, err: unknown): Status {
  const status = toStatusError(err).status;
  if (status.code >= 500) log.error("grpc call failed", { code: status.code, message: status.message });
  return status;
}

/** A failed unary call: the gRPC code nearest the Status, the Status itself in the trailer. */
export function toServiceError(log: Logger, err: unknown): grpc.ServiceError {
  const status = statusOf(log, err);
  const metadata = new grpc.Metadata();
  metadata.set(STATUS_TRAILER, Buffer.from(statusCodec.encode(status)));
  return Object.assign(new Error(status.message ?? status.reason ?? "error"), {
    code: grpcCodeForHttp(status.code),
    details: status.message ?? "",
    metadata,
  });
}
