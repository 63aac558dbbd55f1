/**
 * Kubernetes Events on NATS JetStream, never in etcd. Components record with
 * an EventRecorder (aggregation and spam filtering as client-go's
 * EventCorrelator; recording never blocks or throws); events land in the
 * KTL_EVENTS stream, one subject `events.<namespace>.<name>` per event with
 * one message kept per subject, so the latest count wins. The apiserver
 * serves them from there.
 *
 * @example
 * import { createRecorder, referenceTo, KINDS } from "@ktl/events";
 * const { recorder, close } = createRecorder({ natsServers: "nats://127.0.0.1:4222", component: "default-scheduler", log });
 * recorder.event(referenceTo(pod, KINDS.Pod), "Normal", "Scheduled", "Successfully assigned %s/%s to %s", ns, name, node);
 * await close();
 */
export * from "./correlator.js";
export * from "./recorder.js";
export * from "./reference.js";
export * from "./stream.js";
