/** `kubectl get services`: printService in Kubernetes' printers.go. */
import type { Service, ServicePort } from "@ktl/api";
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, nameOf, printer, wideColumn } from "./columns.js";
import { formatLabels } from "./selectors.js";
import type { PrintedRow } from "./types.js";

const COLUMNS = [
  NAME_COLUMN,
  column(
    "Type",
    "string",
    "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.",
  ),
  column(
    "Cluster-IP",
    "string",
    "clusterIP is the IP address of the service and is usually assigned randomly.",
  ),
  column(
    "External-IP",
    "string",
    "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.",
  ),
  column("Port(s)", "string", "The list of ports that are exposed by this service."),
  AGE_COLUMN,
  wideColumn(
    "Selector",
    "string",
    "Route service traffic to pods with label keys and values matching this selector.",
  ),
];

/**
 * loadBalancerStatusStringer: ingress IPs (or hostnames), de-duplicated and
 * sorted. Kubernetes clips it to 16 characters only for narrow output, and the
 * server always prints wide, so it is never clipped here.
 */
function loadBalancerAddresses(svc: Service): string[] {
  const set = new Set<string>();
  for (const ingress of svc.status?.loadBalancer?.ingress ?? []) {
    if (ingress.ip) set.add(ingress.ip);
    else if (ingress.hostname) set.add(ingress.hostname);
  }
  return [...set].sort();
}

function externalIP(svc: Service, type: string): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (type) {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length > 0 ? externalIPs.join(",") : "<none>";
    case "LoadBalancer": {
      const all = [...loadBalancerAddresses(svc), ...externalIPs];
      return all.length > 0 ? all.join(",") : "<pending>";
    }
    case "ExternalName":
      return svc.spec?.externalName ?? "";
    default:
      return "<unknown>";
  }
}

/** makePortString: "80/TCP", or "80:30080/TCP" with a node port. */
function portString(ports: readonly ServicePort[]): string {
  return ports
    .map((p) => {
      const protocol = p.protocol || "TCP"; // the v1 default
      return p.nodePort && p.nodePort > 0
        ? `${p.port ?? 0}:${p.nodePort}/${protocol}`
        : `${p.port ?? 0}/${protocol}`;
    })
    .join(",");
}

function print(svc: Service, now: Date): PrintedRow {
  // Defaulting sets type ClusterIP and clusterIPs = [clusterIP] before printing.
  const type = svc.spec?.type || "ClusterIP";
  const clusterIP = svc.spec?.clusterIPs?.[0] || svc.spec?.clusterIP || "<none>";
  const ports = portString(svc.spec?.ports ?? []);
  return {
    cells: [
      nameOf(svc),
      type,
      clusterIP,
      externalIP(svc, type),
      ports === "" ? "<none>" : ports,
      ageOf(svc, now),
      formatLabels(svc.spec?.selector),
    ],
  };
}

export const servicePrinter = printer<Service>({ columns: COLUMNS, print });
