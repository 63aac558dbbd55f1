import { Counter, Gauge, Histogram, Registry as PromRegistry, collectDefaultMetrics } from "prom-client";
import type { Cacher } from "./storage/cacher.js";

/** The apiserver's Prometheus metrics, named as Kubernetes' apiserver names them where one exists. */
export class ApiserverMetrics {
  readonly registry = new PromRegistry();
  readonly requests = new Counter({
    name: "apiserver_request_total",
    help: "Requests by verb, resource and HTTP code.",
    labelNames: ["verb", "resource", "code"] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: "apiserver_request_duration_seconds",
    help: "Request latency by verb and resource (watches excluded).",
    labelNames: ["verb", "resource"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(cacher: Cacher) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: "apiserver_watch_cache_objects",
      help: "Objects held in the watch cache per resource.",
      labelNames: ["resource"] as const,
      registers: [this.registry],
      collect() {
        for (const [info, cache] of cacher.caches) this.set({ resource: info.resource }, cache.size);
      },
    });
    new Gauge({
      name: "apiserver_registered_watchers",
      help: "Open watches per resource.",
      labelNames: ["resource"] as const,
      registers: [this.registry],
      collect() {
        for (const [info, cache] of cacher.caches) this.set({ resource: info.resource }, cache.watcherCount);
      },
    });
    new Gauge({
      name: "apiserver_watch_cache_revision",
      help: "The etcd revision the watch cache has reached.",
      registers: [this.registry],
      collect() {
        this.set(cacher.revision);
      },
    });
  }
}
