/**
 * The typed gRPC client every cluster service uses to reach the apiserver.
 *
 * @example
 * import { ApiClient } from "@ktl/client";
 * import { findResource, type Pod } from "@ktl/api";
 * const api = new ApiClient("127.0.0.1:8081");
 * const pods = findResource("", "pods")!;
 * const pod = await api.get<Pod>(pods, "default", "web");
 * for await (const ev of api.watch<Pod>(pods, "default", { resourceVersion: pod.metadata?.resourceVersion })) { ... }
 */
export * from "./client.js";
export * from "./fake-client.js";
