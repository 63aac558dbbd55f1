/** Small builders for the scheduler's own unit tests. */
import type { Node, Pod } from "@ktl/api";

export function node(
  name: string,
  allocatable: Record<string, string> = { cpu: "4", memory: "8Gi", pods: "110" },
  labels: Record<string, string> = {},
): Node {
  return {
    metadata: { name, labels, resourceVersion: "1" },
    spec: {},
    status: { allocatable, conditions: [{ type: "Ready", status: "True" }] },
  };
}

export function pod(
  name: string,
  requests: Record<string, string> = {},
  extra: { nodeName?: string; priority?: number; created?: string; owner?: string } = {},
): Pod {
  return {
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      creationTimestamp: extra.created ?? "2024-01-01T00:00:00Z",
      ownerReferences: extra.owner
        ? [
            {
              apiVersion: "apps/v1",
              kind: "ReplicaSet",
              name: extra.owner,
              uid: extra.owner,
              controller: true,
            },
          ]
        : undefined,
    },
    spec: {
      containers: [{ name: "c", image: "busybox", resources: { requests } }],
      nodeName: extra.nodeName,
      priority: extra.priority,
    },
  };
}
