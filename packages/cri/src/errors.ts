/** Failed CRI calls as one error type with the gRPC status code. */
import { status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";

/** gRPC status codes by name, e.g. CriCode.NOT_FOUND === 5. */
export const CriCode = GrpcStatus;

export class CriError extends Error {
  override readonly name = "CriError";
  /** The gRPC status code (see CriCode). */
  readonly code: number;
  /** The RPC that failed, e.g. "ContainerStatus". */
  readonly method: string;

  constructor(options: { code: number; message: string; method: string }) {
    super(`${options.method}: ${GrpcStatus[options.code] ?? options.code}: ${options.message}`);
    this.code = options.code;
    this.method = options.method;
  }

  /** The runtime's own words, without the method and code prefix. */
  get details(): string {
    return this.message.replace(/^[^:]*: [^:]*: /, "");
  }

  /** Converts a grpc-js error; anything else becomes code UNKNOWN. */
  static from(method: string, err: unknown): CriError {
    if (err instanceof CriError) return err;
    const e = (err ?? {}) as Partial<ServiceError>;
    if (typeof e.code === "number") {
      return new CriError({ code: e.code, message: e.details ?? e.message ?? "", method });
    }
    return new CriError({ code: GrpcStatus.UNKNOWN, message: String(e.message ?? err), method });
  }
}

/** The sandbox, container or image does not exist. */
export function isNotFound(err: unknown): err is CriError {
  return err instanceof CriError && err.code === (GrpcStatus.NOT_FOUND as number);
}

/** The runtime cannot be reached (daemon down, socket missing). */
export function isUnavailable(err: unknown): err is CriError {
  return err instanceof CriError && err.code === (GrpcStatus.UNAVAILABLE as number);
}

/** The call's deadline passed. */
export function isDeadlineExceeded(err: unknown): err is CriError {
  return err instanceof CriError && err.code === (GrpcStatus.DEADLINE_EXCEEDED as number);
}
