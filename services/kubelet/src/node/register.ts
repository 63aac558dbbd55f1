import { findResource, type Node, type NodeStatus, type ResourceInfo } from "@ktl/api";
import { isAlreadyExists } from "@ktl/apimachinery";
import type { Client } from "@ktl/client";
import { apiTime, newNode, nodeStatus, type NodeDescription, type Readiness } from "./node-status.js";

export const NODES = findResource("", "nodes") as ResourceInfo;

/** The calls registration and status reports make. */
export type NodeClient = Pick<Client, "create" | "get" | "patch">;

export interface Registration {
  readonly node: Node;
  /** The status as written, the base of the next change check. */
  readonly written: NodeStatus;
  /** Whether the Node existed and was taken over. */
  readonly tookOver: boolean;
}

/**
 * Creates the Node with its full status, or takes over an existing Node of
 * the same name (a restarted kubelet, or one re-registering after its Node
 * was deleted): its labels are brought up to ours, other labels, taints,
 * spec.podCIDR and the conditions' transition times are kept, and the
 * status is rewritten. Taints from `description` apply only to a new Node,
 * as --register-with-taints does in Kubernetes.
 */
export async function registerNode(options: {
  client: NodeClient;
  description: NodeDescription;
  readiness: Readiness;
  now: number;
}): Promise<Registration> {
  const { client, description, readiness } = options;
  const now = apiTime(options.now);
  const status = nodeStatus({ description, readiness, previous: undefined, now });
  try {
    const node = await client.create<Node>(NODES, undefined, newNode(description, status));
    return { node, written: status, tookOver: false };
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const existing = await client.get<Node>(NODES, undefined, description.name);
  const labels = existing.metadata?.labels ?? {};
  const missing = Object.entries(description.labels).filter(([k, v]) => labels[k] !== v);
  if (missing.length > 0) {
    await client.patch<Node>(NODES, undefined, description.name, {
      metadata: { labels: Object.fromEntries(missing) },
    });
  }
  const taken = nodeStatus({ description, readiness, previous: existing.status?.conditions, now });
  const node = await client.patch<Node>(
    NODES,
    undefined,
    description.name,
    { status: taken },
    { subresource: "status" },
  );
  return { node, written: taken, tookOver: true };
}
