import { monitorEventLoopDelay } from "node:perf_hooks";

const started = Date.now();
// Sampling from import on, so the first scrape already has data.
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

/**
 * The process's standard Prometheus metrics (memory, CPU), the pods it runs,
 * and its event-loop delay — a hollow process that falls behind shows it
 * there first. The delay quantiles cover the time since the previous scrape.
 */
export function processMetricsText(runningPods: number): string {
  const cpu = process.cpuUsage();
  const seconds = (ns: number): string => String(Math.round(ns / 1e3) / 1e6);
  const lines = [
    "# HELP kubelet_running_pods Pods the pod managers of this process run.",
    "# TYPE kubelet_running_pods gauge",
    `kubelet_running_pods ${runningPods}`,
    "# HELP process_resident_memory_bytes Resident memory size in bytes.",
    "# TYPE process_resident_memory_bytes gauge",
    `process_resident_memory_bytes ${process.memoryUsage.rss()}`,
    "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.",
    "# TYPE process_cpu_seconds_total counter",
    `process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`,
    "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.",
    "# TYPE process_start_time_seconds gauge",
    `process_start_time_seconds ${Math.floor(started / 1000)}`,
    "# HELP kubelet_event_loop_delay_seconds Event-loop delay since the previous scrape.",
    "# TYPE kubelet_event_loop_delay_seconds summary",
  ];
  for (const q of [50, 99]) {
    lines.push(`kubelet_event_loop_delay_seconds{quantile="${q / 100}"} ${seconds(loop.percentile(q))}`);
  }
  lines.push(`kubelet_event_loop_delay_seconds_max ${seconds(loop.max)}`);
  loop.reset();
  return lines.join("\n") + "\n";
}
