import type { LatencySummary, QueueMetrics } from "./metrics.js";

/** A queue to export, by name. */
export interface NamedQueueMetrics {
  readonly name: string;
  readonly metrics: QueueMetrics<never> | QueueMetrics<string>;
}

/**
 * client-go's workqueue metrics in the Prometheus text format, so a service's
 * /metrics shows every controller's depth, adds, retries, queue latency and
 * reconcile (work) duration.
 */
export function queueMetricsText(queues: readonly NamedQueueMetrics[]): string {
  const lines: string[] = [];
  const gauge = (
    name: string,
    help: string,
    value: (q: NamedQueueMetrics) => number,
    type = "gauge",
  ): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const q of queues) lines.push(`${name}{name="${q.name}"} ${value(q)}`);
  };
  const snapshots = new Map(queues.map((q) => [q, q.metrics.snapshot()]));
  const snap = (q: NamedQueueMetrics) => snapshots.get(q) as ReturnType<QueueMetrics["snapshot"]>;
  gauge("workqueue_depth", "Current depth of the work queue.", (q) => snap(q).depth);
  gauge("workqueue_adds_total", "Keys added to the work queue.", (q) => snap(q).adds, "counter");
  gauge(
    "workqueue_retries_total",
    "Retries (rate-limited or delayed adds).",
    (q) => snap(q).retries,
    "counter",
  );
  gauge(
    "workqueue_unfinished_work_seconds",
    "Summed age of keys being processed.",
    (q) => snap(q).unfinishedWorkMs / 1000,
  );
  gauge(
    "workqueue_longest_running_processor_seconds",
    "Age of the longest-running key being processed.",
    (q) => snap(q).longestRunningProcessorMs / 1000,
  );
  histogram(
    lines,
    "workqueue_queue_duration_seconds",
    "Time a key waits before a worker takes it.",
    queues,
    (q) => snap(q).queueLatency,
  );
  histogram(
    lines,
    "workqueue_work_duration_seconds",
    "Time a reconcile takes.",
    queues,
    (q) => snap(q).workDuration,
  );
  return lines.join("\n") + "\n";
}

function histogram(
  lines: string[],
  name: string,
  help: string,
  queues: readonly NamedQueueMetrics[],
  summary: (q: NamedQueueMetrics) => LatencySummary,
): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
  for (const q of queues) {
    const s = summary(q);
    for (const bucket of s.buckets) {
      const le = Number.isFinite(bucket.leMs) ? String(bucket.leMs / 1000) : "+Inf";
      lines.push(`${name}_bucket{name="${q.name}",le="${le}"} ${bucket.count}`);
    }
    lines.push(
      `${name}_sum{name="${q.name}"} ${s.sumMs / 1000}`,
      `${name}_count{name="${q.name}"} ${s.count}`,
    );
  }
}
