/** kube-proxy's Prometheus metrics (names after Kubernetes' where one exists). */

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Histogram {
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

  text(name: string): string[] {
    return [
      `# TYPE ${name} histogram`,
      ...BUCKETS.map((b, i) => `${name}_bucket{le="${b}"} ${this.counts[i] ?? 0}`),
      `${name}_bucket{le="+Inf"} ${this.count}`,
      `${name}_sum ${this.sum}`,
      `${name}_count ${this.count}`,
    ];
  }
}

export type Direction = "to_endpoint" | "to_client";

export class ProxyMetrics {
  /** One sync of the whole state into listeners or nft rules. */
  readonly syncDuration = new Histogram();
  /** From the first change a sync includes (as the informer delivered it) to that sync applied. */
  readonly programmingLatency = new Histogram();
  syncs = 0;
  syncErrors = 0;
  lastSyncSeconds = 0;
  servicesChanges = 0;
  endpointsChanges = 0;
  servicePorts = 0;
  endpoints = 0;
  /** nftables mode: rules in the table after the last sync. */
  nftRules = 0;
  /** ClusterIP addresses on lo that this proxy added and owns. */
  ownedAddresses = 0;
  /** Userspace: listeners bound, and wanted but held by someone else (or not yet possible). */
  listenersBound = 0;
  listenersWaiting = 0;
  readonly connections = { TCP: 0, UDP: 0 };
  activeTcp = 0;
  udpSessions = 0;
  readonly bytes: Record<"TCP" | "UDP", Record<Direction, number>> = {
    TCP: { to_endpoint: 0, to_client: 0 },
    UDP: { to_endpoint: 0, to_client: 0 },
  };
  dialFailures = 0;
  /** Connections or datagrams that found no ready endpoint. */
  noEndpoint = 0;

  text(): string {
    const lines = [
      ...this.syncDuration.text("kubeproxy_sync_proxy_rules_duration_seconds"),
      ...this.programmingLatency.text("kubeproxy_network_programming_duration_seconds"),
      "# TYPE kubeproxy_sync_proxy_rules_total counter",
      `kubeproxy_sync_proxy_rules_total{result="success"} ${this.syncs}`,
      `kubeproxy_sync_proxy_rules_total{result="error"} ${this.syncErrors}`,
      "# TYPE kubeproxy_sync_proxy_rules_last_timestamp_seconds gauge",
      `kubeproxy_sync_proxy_rules_last_timestamp_seconds ${this.lastSyncSeconds}`,
      "# TYPE kubeproxy_sync_proxy_rules_service_changes_total counter",
      `kubeproxy_sync_proxy_rules_service_changes_total ${this.servicesChanges}`,
      "# TYPE kubeproxy_sync_proxy_rules_endpoint_changes_total counter",
      `kubeproxy_sync_proxy_rules_endpoint_changes_total ${this.endpointsChanges}`,
      "# TYPE kubeproxy_service_ports gauge",
      `kubeproxy_service_ports ${this.servicePorts}`,
      "# TYPE kubeproxy_ready_endpoints gauge",
      `kubeproxy_ready_endpoints ${this.endpoints}`,
      "# TYPE kubeproxy_sync_proxy_rules_nftables_rules gauge",
      `kubeproxy_sync_proxy_rules_nftables_rules ${this.nftRules}`,
      "# TYPE kubeproxy_cluster_ip_addresses gauge",
      `kubeproxy_cluster_ip_addresses ${this.ownedAddresses}`,
      "# TYPE kubeproxy_userspace_listeners gauge",
      `kubeproxy_userspace_listeners{state="bound"} ${this.listenersBound}`,
      `kubeproxy_userspace_listeners{state="waiting"} ${this.listenersWaiting}`,
      "# TYPE kubeproxy_userspace_connections_total counter",
      `kubeproxy_userspace_connections_total{protocol="TCP"} ${this.connections.TCP}`,
      `kubeproxy_userspace_connections_total{protocol="UDP"} ${this.connections.UDP}`,
      "# TYPE kubeproxy_userspace_active_tcp_connections gauge",
      `kubeproxy_userspace_active_tcp_connections ${this.activeTcp}`,
      "# TYPE kubeproxy_userspace_udp_sessions gauge",
      `kubeproxy_userspace_udp_sessions ${this.udpSessions}`,
      "# TYPE kubeproxy_userspace_bytes_total counter",
      ...(["TCP", "UDP"] as const).flatMap((p) =>
        (["to_endpoint", "to_client"] as const).map(
          (d) => `kubeproxy_userspace_bytes_total{protocol="${p}",direction="${d}"} ${this.bytes[p][d]}`,
        ),
      ),
      "# TYPE kubeproxy_userspace_endpoint_dial_failures_total counter",
      `kubeproxy_userspace_endpoint_dial_failures_total ${this.dialFailures}`,
      "# TYPE kubeproxy_userspace_no_endpoint_total counter",
      `kubeproxy_userspace_no_endpoint_total ${this.noEndpoint}`,
    ];
    return `${lines.join("\n")}\n`;
  }
}
