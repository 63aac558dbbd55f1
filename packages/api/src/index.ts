/**
 * The API objects of the cluster, generated from `proto/`: their TypeScript
 * types, the protobuf codec used for etcd and gRPC, the table of served
 * resources, and per-kind validation.
 *
 * @example
 * import { objectCodec, findResource, type Pod } from "@ktl/api";
 * const pods = findResource("", "pods")!;
 * const bytes = objectCodec<Pod>(pods).encode({ metadata: { name: "web" } });
 */
export * from "./gen/types.js";
export { descriptor } from "./gen/descriptor.js";
export * from "./codec.js";
export * from "./resources.js";
export * from "./grpc-service.js";
export * from "./validation/index.js";
export * from "./defaults/index.js";
export * from "./pod-log-options.js";
