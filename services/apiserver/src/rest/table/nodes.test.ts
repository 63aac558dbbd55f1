import type { Node } from "@ktl/api";
import { describe, expect, it } from "vitest";
import { nodePrinter, nodeRoles } from "./nodes.js";

const NOW = new Date("2024-05-01T12:00:00Z");
const node = (overrides: Partial<Node> = {}): Node => ({
  metadata: { name: "node-a", creationTimestamp: "2024-04-28T08:00:00Z", ...overrides.metadata },
  spec: overrides.spec ?? {},
  status: overrides.status ?? {},
});
const cells = (n: Node) => nodePrinter.print(n, NOW).cells;

describe("node printer", () => {
  it("has Kubernetes' node columns", () => {
    expect(nodePrinter.columns.map((c) => [c.name, c.priority])).toEqual([
      ["Name", 0],
      ["Status", 0],
      ["Roles", 0],
      ["Age", 0],
      ["Version", 0],
      ["Internal-IP", 1],
      ["External-IP", 1],
      ["OS-Image", 1],
      ["Kernel-Version", 1],
      ["Container-Runtime", 1],
    ]);
  });

  it("prints a ready node with its system info", () => {
    const n = node({
      status: {
        conditions: [
          { type: "MemoryPressure", status: "False" },
          { type: "Ready", status: "True" },
        ],
        addresses: [
          { type: "Hostname", address: "node-a" },
          { type: "InternalIP", address: "192.168.1.2" },
          { type: "ExternalIP", address: "203.0.113.2" },
        ],
        nodeInfo: {
          kubeletVersion: "v1.30.0",
          osImage: "Debian GNU/Linux 12 (bookworm)",
          kernelVersion: "6.1.0-18-amd64",
          containerRuntimeVersion: "containerd://1.7.13",
        },
      },
    });
    expect(cells(n)).toEqual([
      "node-a",
      "Ready",
      "<none>",
      "3d4h",
      "v1.30.0",
      "192.168.1.2",
      "203.0.113.2",
      "Debian GNU/Linux 12 (bookworm)",
      "6.1.0-18-amd64",
      "containerd://1.7.13",
    ]);
  });

  it("prints NotReady for a false or unknown Ready condition, Unknown without one", () => {
    expect(cells(node({ status: { conditions: [{ type: "Ready", status: "False" }] } }))[1]).toBe("NotReady");
    expect(cells(node({ status: { conditions: [{ type: "Ready", status: "Unknown" }] } }))[1]).toBe(
      "NotReady",
    );
    expect(cells(node())[1]).toBe("Unknown");
  });

  it("appends SchedulingDisabled for a cordoned node", () => {
    const cordoned = node({
      spec: { unschedulable: true },
      status: { conditions: [{ type: "Ready", status: "True" }] },
    });
    expect(cells(cordoned)[1]).toBe("Ready,SchedulingDisabled");
    expect(cells(node({ spec: { unschedulable: true } }))[1]).toBe("Unknown,SchedulingDisabled");
  });

  it("prints placeholders for missing addresses and system info", () => {
    expect(cells(node()).slice(4)).toEqual(["", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"]);
  });
});

describe("nodeRoles", () => {
  it("collects node-role.kubernetes.io/* keys and kubernetes.io/role values, sorted", () => {
    const n = node({
      metadata: {
        labels: {
          "node-role.kubernetes.io/worker": "",
          "node-role.kubernetes.io/control-plane": "",
          "node-role.kubernetes.io/": "",
          "kubernetes.io/role": "ingress",
          "kubernetes.io/hostname": "node-a",
        },
      },
    });
    expect(nodeRoles(n)).toBe("control-plane,ingress,worker");
  });

  it("is <none> without role labels", () => {
    expect(nodeRoles(node({ metadata: { labels: { "kubernetes.io/role": "" } } }))).toBe("<none>");
  });
});
