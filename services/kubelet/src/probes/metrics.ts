import type { ProbeOutcome } from "./outcome.js";
import type { ProbeKind } from "./probe-spec.js";

const KIND_LABEL: Record<ProbeKind, string> = {
  startup: "Startup",
  liveness: "Liveness",
  readiness: "Readiness",
};
const RESULT_LABEL: Record<ProbeOutcome["result"], string> = {
  success: "successful",
  failure: "failed",
  error: "unknown",
};

/** Probe runs by kind and result, shared by the probe managers of one process (hollow nodes). */
export class ProbeMetrics {
  private readonly counts = new Map<string, number>();
  /** Live probe workers, kept by the managers. */
  workers = 0;

  count(kind: ProbeKind, result: ProbeOutcome["result"]): void {
    const key = `probe_type="${KIND_LABEL[kind]}",result="${RESULT_LABEL[result]}"`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Prometheus text, with Kubernetes' metric name for the runs. */
  text(): string {
    const lines = [
      "# HELP prober_probe_total Cumulative number of liveness, readiness or startup probe runs by result.",
      "# TYPE prober_probe_total counter",
    ];
    for (const [key, n] of [...this.counts].sort()) lines.push(`prober_probe_total{${key}} ${n}`);
    lines.push(
      "# HELP kubelet_probe_workers Probe workers of running containers.",
      "# TYPE kubelet_probe_workers gauge",
      `kubelet_probe_workers ${this.workers}`,
    );
    return lines.join("\n") + "\n";
  }
}
