import { describe, expect, it } from "vitest";
import type { Service } from "@ktl/api";
import { PortRange, ServiceIPRange } from "./ranges.js";
import { rebuild } from "./repair.js";
import { heldClusterIPs, heldNodePorts } from "./service-fields.js";

const ips = new ServiceIPRange("100.96.0.0/16");
const ports = new PortRange("30000-32767");

const svc = (name: string, clusterIP: string, nodePort?: number): Service => ({
  metadata: { name, namespace: "ns" },
  spec: {
    type: nodePort ? "NodePort" : "ClusterIP",
    clusterIP,
    clusterIPs: [clusterIP],
    ports: [{ port: 80, ...(nodePort ? { nodePort } : {}) }],
  },
});

describe("rebuild", () => {
  it("marks what the Services hold, releases leaks and reports unmarked values", () => {
    const stored = ips.newBitmap();
    stored.allocate(ips.offsetOf("100.96.0.10") ?? -1); // held by a
    stored.allocate(ips.offsetOf("100.96.0.99") ?? -1); // held by nobody: leaked
    const services = [svc("a", "100.96.0.10"), svc("b", "100.96.0.20"), svc("h", "None")];
    const { bitmap, problems } = rebuild({ services, range: ips, held: heldClusterIPs, stored });
    expect([...bitmap.offsets()].map((o) => ips.valueAt(o))).toEqual(["100.96.0.10", "100.96.0.20"]);
    expect(problems).toEqual([
      { kind: "unmarked", value: "100.96.0.20" },
      { kind: "leaked", value: "100.96.0.99" },
    ]);
  });

  it("reports addresses outside the range and held twice, keeping one", () => {
    const services = [svc("a", "100.96.0.10"), svc("b", "100.96.0.10"), svc("c", "10.0.0.1")];
    const { bitmap, problems } = rebuild({ services, range: ips, held: heldClusterIPs, stored: undefined });
    expect(bitmap.count).toBe(1);
    expect(problems).toEqual([
      { kind: "duplicate", value: "100.96.0.10", service: "ns/b" },
      { kind: "outOfRange", value: "10.0.0.1", service: "ns/c" },
    ]);
  });

  it("rebuilds node ports the same way", () => {
    const services = [svc("a", "100.96.0.10", 30080), svc("b", "100.96.0.11")];
    const { bitmap, problems } = rebuild({ services, range: ports, held: heldNodePorts, stored: undefined });
    expect([...bitmap.offsets()].map((o) => ports.valueAt(o))).toEqual([30080]);
    expect(problems).toEqual([]);
  });
});
