/**
 * The apiserver's gRPC service as a @grpc/grpc-js service definition, built
 * from the generated descriptor, so the server and every client share one
 * definition and one codec (no @grpc/proto-loader at run time).
 */
import { protoRoot, rpcCodecFor } from "./codec.js";

const SERVICE = "ktl.apiserver.v1.ApiServer";

export interface MethodDefinition<Req, Res> {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly originalName: string;
  readonly requestSerialize: (value: Req) => Buffer;
  readonly requestDeserialize: (bytes: Buffer) => Req;
  readonly responseSerialize: (value: Res) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => Res;
}

function serializer<T>(fullName: string): { serialize: (v: T) => Buffer; deserialize: (b: Buffer) => T } {
  const codec = rpcCodecFor<T>(fullName);
  return {
    serialize: (value) => Buffer.from(codec.encode(value)),
    deserialize: (bytes) => codec.decode(bytes),
  };
}

function buildDefinition(): Record<string, MethodDefinition<unknown, unknown>> {
  const service = protoRoot.lookupService(SERVICE);
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methodsArray) {
    method.resolve();
    const req = serializer(method.resolvedRequestType?.fullName.slice(1) ?? "");
    const res = serializer(method.resolvedResponseType?.fullName.slice(1) ?? "");
    definition[method.name] = {
      path: `/${SERVICE}/${method.name}`,
      requestStream: method.requestStream ?? false,
      responseStream: method.responseStream ?? false,
      originalName: method.name,
      requestSerialize: req.serialize,
      requestDeserialize: req.deserialize,
      responseSerialize: res.serialize,
      responseDeserialize: res.deserialize,
    };
  }
  return definition;
}

/** Pass to grpc-js `server.addService` and `makeGenericClientConstructor`. */
export const apiServerService = buildDefinition();

/** Trailer key carrying the Kubernetes Status (ktl.meta.v1.Status, protobuf) of a failed call. */
export const STATUS_TRAILER = "ktl-status-bin";

/** Kubernetes Status code → gRPC status code, so generic gRPC tooling reads errors sensibly. */
export function grpcCodeForHttp(code: number): number {
  const map: Record<number, number> = {
    400: 3, // INVALID_ARGUMENT
    401: 16, // UNAUTHENTICATED
    403: 7, // PERMISSION_DENIED
    404: 5, // NOT_FOUND
    405: 12, // UNIMPLEMENTED
    409: 10, // ABORTED
    410: 11, // OUT_OF_RANGE
    413: 8, // RESOURCE_EXHAUSTED
    415: 3,
    422: 3,
    429: 8,
    503: 14, // UNAVAILABLE
    504: 4, // DEADLINE_EXCEEDED
  };
  return map[code] ?? 13; // INTERNAL
}
