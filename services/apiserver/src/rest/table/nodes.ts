/** `kubectl get nodes`: printNode in Kubernetes' printers.go. */
import type { Node } from "@ktl/api";
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, nameOf, printer, wideColumn } from "./columns.js";
import type { PrintedRow } from "./types.js";

const ADDRESSES_DESCRIPTION =
  "List of addresses reachable to the node. Queried from cloud provider, if available.";

const COLUMNS = [
  NAME_COLUMN,
  column("Status", "string", "The status of the node"),
  column("Roles", "string", "The roles of the node"),
  AGE_COLUMN,
  column("Version", "string", "Kubelet Version reported by the node."),
  wideColumn("Internal-IP", "string", ADDRESSES_DESCRIPTION),
  wideColumn("External-IP", "string", ADDRESSES_DESCRIPTION),
  wideColumn(
    "OS-Image",
    "string",
    "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
  ),
  wideColumn(
    "Kernel-Version",
    "string",
    "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
  ),
  wideColumn(
    "Container-Runtime",
    "string",
    "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
  ),
];

const ROLE_LABEL_PREFIX = "node-role.kubernetes.io/";
const LEGACY_ROLE_LABEL = "kubernetes.io/role";

/** "Ready" / "NotReady" from the (last) Ready condition, "Unknown" without one. */
function nodeStatus(node: Node): string {
  let ready: string | undefined;
  for (const condition of node.status?.conditions ?? []) {
    if (condition.type === "Ready") ready = condition.status === "True" ? "Ready" : "NotReady";
  }
  const status = [ready ?? "Unknown"];
  if (node.spec?.unschedulable) status.push("SchedulingDisabled");
  return status.join(",");
}

/** findNodeRoles: node-role.kubernetes.io/<role> keys and kubernetes.io/role values, sorted. */
export function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata?.labels ?? {})) {
    if (key.startsWith(ROLE_LABEL_PREFIX)) {
      const role = key.slice(ROLE_LABEL_PREFIX.length);
      if (role !== "") roles.add(role);
    } else if (key === LEGACY_ROLE_LABEL && value !== "") {
      roles.add(value);
    }
  }
  return roles.size === 0 ? "<none>" : [...roles].sort().join(",");
}

function address(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? "<none>";
}

function print(node: Node, now: Date): PrintedRow {
  const info = node.status?.nodeInfo ?? {};
  return {
    cells: [
      nameOf(node),
      nodeStatus(node),
      nodeRoles(node),
      ageOf(node, now),
      info.kubeletVersion ?? "",
      address(node, "InternalIP"),
      address(node, "ExternalIP"),
      info.osImage || "<unknown>",
      info.kernelVersion || "<unknown>",
      info.containerRuntimeVersion || "<unknown>",
    ],
  };
}

export const nodePrinter = printer<Node>({ columns: COLUMNS, print });
