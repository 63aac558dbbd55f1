/** Why a status write happened. */
export type WriteReason = "register" | "changed" | "heartbeat";

const WINDOW = 10_000;

/**
 * Node status write counters and heartbeat lateness, for all the nodes of
 * one process (a hollow process runs many). Lateness is how long after its
 * due time a heartbeat (a write only to renew lastHeartbeatTime) completed;
 * its quantiles are over the last 10,000 heartbeats.
 */
export class NodeStatusMetrics {
  private readonly writes: Record<WriteReason, number> = { register: 0, changed: 0, heartbeat: 0 };
  private errors = 0;
  private readonly lateness: number[] = [];
  private latenessNext = 0;
  private latenessSum = 0;
  private latenessCount = 0;
  /** Nodes registered by this process. */
  nodes = 0;

  wrote(reason: WriteReason): void {
    this.writes[reason]++;
  }

  failed(): void {
    this.errors++;
  }

  heartbeatLate(ms: number): void {
    const seconds = Math.max(0, ms) / 1000;
    if (this.lateness.length < WINDOW) this.lateness.push(seconds);
    else this.lateness[this.latenessNext] = seconds;
    this.latenessNext = (this.latenessNext + 1) % WINDOW;
    this.latenessSum += seconds;
    this.latenessCount++;
  }

  /** Writes so far, all reasons. */
  get writesTotal(): number {
    return this.writes.register + this.writes.changed + this.writes.heartbeat;
  }

  /** Lateness quantile in seconds over the window (NaN before the first heartbeat). */
  latenessQuantile(q: number): number {
    if (this.lateness.length === 0) return NaN;
    const sorted = [...this.lateness].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
  }

  text(): string {
    const lines = [
      "# HELP kubelet_node_status_writes_total Node status writes to the apiserver, by reason.",
      "# TYPE kubelet_node_status_writes_total counter",
    ];
    for (const reason of ["register", "changed", "heartbeat"] as const) {
      lines.push(`kubelet_node_status_writes_total{reason="${reason}"} ${this.writes[reason]}`);
    }
    lines.push(
      "# HELP kubelet_node_status_write_errors_total Node status writes that failed.",
      "# TYPE kubelet_node_status_write_errors_total counter",
      `kubelet_node_status_write_errors_total ${this.errors}`,
      "# HELP kubelet_node_heartbeat_lateness_seconds How long after its due time a node status heartbeat was written.",
      "# TYPE kubelet_node_heartbeat_lateness_seconds summary",
    );
    for (const q of [0.5, 0.9, 0.99]) {
      lines.push(`kubelet_node_heartbeat_lateness_seconds{quantile="${q}"} ${fmt(this.latenessQuantile(q))}`);
    }
    lines.push(
      `kubelet_node_heartbeat_lateness_seconds_sum ${fmt(this.latenessSum)}`,
      `kubelet_node_heartbeat_lateness_seconds_count ${this.latenessCount}`,
      "# HELP kubelet_registered_nodes Nodes this process registered and reports for.",
      "# TYPE kubelet_registered_nodes gauge",
      `kubelet_registered_nodes ${this.nodes}`,
    );
    return lines.join("\n") + "\n";
  }
}

function fmt(n: number): string {
  return Number.isNaN(n) ? "NaN" : String(Math.round(n * 1e6) / 1e6);
}
