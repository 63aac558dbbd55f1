/**
 * grpc-js service definitions of runtime.v1.RuntimeService and ImageService,
 * built from the generated descriptor (no proto-loader at run time).
 */
import type { ServiceDefinition, MethodDefinition } from "@grpc/grpc-js";
import { criCodec, criRoot } from "./codec.js";

function buildDefinition(service: string): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of criRoot.lookupService(`runtime.v1.${service}`).methodsArray) {
    method.resolve();
    const req = criCodec<unknown>(method.resolvedRequestType?.name ?? "");
    const res = criCodec<unknown>(method.resolvedResponseType?.name ?? "");
    definition[method.name] = {
      path: `/runtime.v1.${service}/${method.name}`,
      requestStream: false,
      responseStream: false,
      originalName: method.name,
      requestSerialize: (value) => req.encode(value),
      requestDeserialize: (bytes) => req.decode(bytes),
      responseSerialize: (value) => res.encode(value),
      responseDeserialize: (bytes) => res.decode(bytes),
    };
  }
  return definition;
}

/** runtime.v1.RuntimeService, for a grpc-js client or server. */
export const runtimeServiceDefinition = buildDefinition("RuntimeService");
/** runtime.v1.ImageService, for a grpc-js client or server. */
export const imageServiceDefinition = buildDefinition("ImageService");
