/**
 * The shared test harness: real dependencies on free loopback ports, cleaned up
 * afterwards, and the cluster's own services as tracked child processes.
 *
 * @example
 * const etcd = await startEtcd();
 * const api = await startApiserver({ etcd: etcd.endpoint });
 * // ... talk to api.url ...
 * await api.stop();
 * await etcd.stop();
 */
export * from "./ports.js";
export * from "./process.js";
export * from "./etcd.js";
export * from "./apiserver.js";
export * from "./service.js";
export * from "./fake-kubelet.js";
export * from "./containerd.js";
export * from "./registry.js";
export * from "./kubelet.js";
export * from "./kube-proxy.js";
export * from "./nats.js";
export * from "./until.js";
