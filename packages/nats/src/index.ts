/**
 * The cluster's NATS bus: one connection per process that reconnects forever
 * and never blocks or fails its caller (signals are best effort; state lives
 * in etcd).
 *
 * @example
 * import { Bus } from "@ktl/nats";
 * const bus = Bus.connect({ servers: "nats://127.0.0.1:4222", name: "kubelet n1", log });
 * bus.subscribe("node.heartbeat.*", (data, subject) => seen(subject));
 * bus.publish("node.heartbeat.n1", "");
 */
export * from "./bus.js";
export * from "./subjects.js";
export * from "./relay.js";
