/**
 * The node lifecycle controller's counters, for the controller-manager's
 * /metrics. One instance per process (the controller runs once, in the
 * elected manager), so it survives leadership changes.
 */
export class NodeLifecycleMetrics {
  /** Heartbeats received over NATS. */
  heartbeats = 0;
  /** Node status (subresource) writes: conditions set to Unknown. */
  statusWrites = 0;
  /** Node writes adding or removing the unreachable taint. */
  taintWrites = 0;
  /** Pods deleted because their node was unreachable beyond their toleration. */
  evictions = 0;
  /** Pod status writes setting Ready=False. */
  podStatusWrites = 0;
  /** Nodes currently judged unreachable. */
  unreachable = 0;

  text(): string {
    const counter = (name: string, help: string, value: number): string[] => [
      `# HELP ${name} ${help}`,
      `# TYPE ${name} counter`,
      `${name} ${value}`,
    ];
    return (
      [
        ...counter("node_lifecycle_heartbeats_total", "Node heartbeats received over NATS.", this.heartbeats),
        ...counter(
          "node_lifecycle_status_writes_total",
          "Node status writes by the node lifecycle controller (Ready=Unknown).",
          this.statusWrites,
        ),
        ...counter(
          "node_lifecycle_taint_writes_total",
          "Node writes adding or removing the unreachable taint.",
          this.taintWrites,
        ),
        ...counter("node_lifecycle_evictions_total", "Pods evicted from unreachable nodes.", this.evictions),
        ...counter(
          "node_lifecycle_pod_status_writes_total",
          "Pod status writes marking pods on unreachable nodes not ready.",
          this.podStatusWrites,
        ),
        "# HELP node_lifecycle_unreachable_nodes Nodes judged unreachable now.",
        "# TYPE node_lifecycle_unreachable_nodes gauge",
        `node_lifecycle_unreachable_nodes ${this.unreachable}`,
      ].join("\n") + "\n"
    );
  }
}

/** The process's instance, exported on /metrics by main.ts. */
export const nodeLifecycleMetrics = new NodeLifecycleMetrics();
