/** The scheduler's Prometheus metrics, named as kube-scheduler's. */
const BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type AttemptResult = "scheduled" | "unschedulable" | "error";

class Histogram {
  readonly counts = BUCKETS.map(() => 0);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) this.counts[i] = (this.counts[i] ?? 0) + 1;
    });
  }

  text(name: string, labels = ""): string[] {
    const sep = labels ? `${labels},` : "";
    const lines = BUCKETS.map((b, i) => `${name}_bucket{${sep}le="${b}"} ${this.counts[i] ?? 0}`);
    lines.push(`${name}_bucket{${sep}le="+Inf"} ${this.count}`);
    lines.push(`${name}_sum${labels ? `{${labels}}` : ""} ${this.sum}`);
    lines.push(`${name}_count${labels ? `{${labels}}` : ""} ${this.count}`);
    return lines;
  }
}

export class SchedulerMetrics {
  podsScheduled = 0;
  bindErrors = 0;
  readonly attempts: Record<AttemptResult, number> = { scheduled: 0, unschedulable: 0, error: 0 };
  /** One scheduling cycle (filter + score + assume), by result. */
  readonly attemptDuration = new Map<AttemptResult, Histogram>();
  /** From pod creation to a successful binding. */
  readonly e2eLatency = new Histogram();

  attempt(result: AttemptResult, seconds: number): void {
    this.attempts[result]++;
    let h = this.attemptDuration.get(result);
    if (!h) {
      h = new Histogram();
      this.attemptDuration.set(result, h);
    }
    h.observe(seconds);
  }

  text(queue: { active: number; backoff: number; unschedulable: number }): string {
    const lines = [
      "# TYPE scheduler_pods_scheduled_total counter",
      `scheduler_pods_scheduled_total ${this.podsScheduled}`,
      "# TYPE scheduler_binding_errors_total counter",
      `scheduler_binding_errors_total ${this.bindErrors}`,
      "# TYPE scheduler_schedule_attempts_total counter",
      ...Object.entries(this.attempts).map(
        ([r, n]) => `scheduler_schedule_attempts_total{result="${r}"} ${n}`,
      ),
      "# TYPE scheduler_scheduling_attempt_duration_seconds histogram",
      ...[...this.attemptDuration].flatMap(([r, h]) =>
        h.text("scheduler_scheduling_attempt_duration_seconds", `result="${r}"`),
      ),
      "# TYPE scheduler_pod_scheduling_sli_duration_seconds histogram",
      ...this.e2eLatency.text("scheduler_pod_scheduling_sli_duration_seconds"),
      "# TYPE scheduler_pending_pods gauge",
      `scheduler_pending_pods{queue="active"} ${queue.active}`,
      `scheduler_pending_pods{queue="backoff"} ${queue.backoff}`,
      `scheduler_pending_pods{queue="unschedulable"} ${queue.unschedulable}`,
    ];
    return `${lines.join("\n")}\n`;
  }
}
