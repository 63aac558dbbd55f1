/**
 * The node runtime's plumbing: the Container Runtime Interface (runtime.v1)
 * as TypeScript, a gRPC client for containerd, the RuntimeService and
 * ImageService interfaces the kubelet is written against, and containerd's
 * per-node configuration.
 *
 * How the CRI's protobuf appears in TypeScript (src/gen/types.ts, generated
 * from proto/cri/v1/api.proto by `pnpm gen`):
 * - Field names are camelCase (pod_sandbox_id → podSandboxId); the wire
 *   uses field numbers, which are the CRI's.
 * - int64/uint64 are numbers. Nanosecond timestamps (~1.7e18) exceed 2^53 and
 *   lose their last ~8 bits (≤256 ns), which nothing in ktl cares about;
 *   sizes and cgroup values are exact.
 * - Enums are their value names as strings: "CONTAINER_RUNNING", "POD", "NODE".
 * - bytes (ExecSync stdout/stderr) are Uint8Arrays (Buffers).
 * - Every field is optional in the types (requests set what they need). In
 *   decoded responses, proto3 zero values are filled in: scalars, enums
 *   (their first value, e.g. state "CONTAINER_CREATED" = 0, which the wire
 *   omits), lists and maps are always present; message fields are absent when
 *   unset. Fakes implementing the interfaces should return the same shape.
 *
 * A node's containerd (renderContainerdConfig) pulls only from the cluster's
 * local registry: writeRegistryHosts points that registry, docker.io (what
 * "busybox" means) and every other registry (certs.d/_default) at it. The
 * kubelet also refuses other registries up front: isAllowedImage(ref,
 * localRegistries(registry)) false → ErrImagePull.
 *
 * @example
 * import { CriClient, isNotFound } from "@ktl/cri";
 * const cri = new CriClient("unix:///tmp/ktl-containerd-x/containerd.sock");
 * const { runtimeName } = await cri.version({ version: "v1" });
 * const { podSandboxId } = await cri.runPodSandbox({ config: { metadata: { name: "web", namespace: "default", uid, attempt: 0 } } });
 * try { await cri.containerStatus({ containerId: "gone" }); } catch (err) { if (!isNotFound(err)) throw err; }
 * cri.close();
 */
export type * from "./gen/types.js";
export * from "./services.js";
export * from "./errors.js";
export * from "./client.js";
export { criCodec, type CriCodec } from "./codec.js";
export { runtimeServiceDefinition, imageServiceDefinition } from "./grpc-services.js";
export * from "./image-ref.js";
export * from "./containerd/config.js";
export * from "./containerd/registry-hosts.js";
export * from "./containerd/teardown.js";
