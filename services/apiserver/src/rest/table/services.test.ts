import type { Service } from "@ktl/api";
import { describe, expect, it } from "vitest";
import { servicePrinter } from "./services.js";

const NOW = new Date("2024-05-01T12:00:00Z");
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();

const service = (spec: Service["spec"], status: Service["status"] = {}): Service => ({
  metadata: { name: "web", creationTimestamp: ago(50 * 60) },
  spec,
  status,
});
const cells = (s: Service) => servicePrinter.print(s, NOW).cells;

describe("service printer", () => {
  it("has Kubernetes' service columns", () => {
    expect(servicePrinter.columns.map((c) => [c.name, c.priority])).toEqual([
      ["Name", 0],
      ["Type", 0],
      ["Cluster-IP", 0],
      ["External-IP", 0],
      ["Port(s)", 0],
      ["Age", 0],
      ["Selector", 1],
    ]);
  });

  it("prints a ClusterIP service", () => {
    const s = service({
      type: "ClusterIP",
      clusterIP: "10.96.0.10",
      clusterIPs: ["10.96.0.10"],
      ports: [{ port: 80, protocol: "TCP", targetPort: 8080 }],
      selector: { app: "web" },
    });
    expect(cells(s)).toEqual(["web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP", "50m", "app=web"]);
  });

  it("prints node ports as port:nodePort/protocol and joins several ports", () => {
    const s = service({
      type: "NodePort",
      clusterIP: "10.96.0.11",
      ports: [
        { port: 80, nodePort: 30080, protocol: "TCP" },
        { port: 53, nodePort: 30053, protocol: "UDP" },
      ],
    });
    expect(cells(s).slice(1, 5)).toEqual(["NodePort", "10.96.0.11", "<none>", "80:30080/TCP,53:30053/UDP"]);
  });

  it("prints external IPs, and load balancer ingress or <pending>", () => {
    expect(cells(service({ type: "ClusterIP", externalIPs: ["1.2.3.4", "5.6.7.8"] }))[3]).toBe(
      "1.2.3.4,5.6.7.8",
    );
    expect(cells(service({ type: "LoadBalancer" }))[3]).toBe("<pending>");
    const lb = service(
      { type: "LoadBalancer", externalIPs: ["9.9.9.9"] },
      {
        loadBalancer: {
          ingress: [{ ip: "203.0.113.7" }, { hostname: "lb.example.com" }, { ip: "203.0.113.7" }],
        },
      },
    );
    expect(cells(lb)[3]).toBe("203.0.113.7,lb.example.com,9.9.9.9");
  });

  it("prints an ExternalName service's name as its external IP", () => {
    const s = service({ type: "ExternalName", externalName: "db.example.com" });
    expect(cells(s).slice(1, 5)).toEqual(["ExternalName", "<none>", "db.example.com", "<none>"]);
  });

  it("prints a headless service's None, and defaults type and protocol", () => {
    const s = service({ clusterIP: "None", ports: [{ port: 5432 }] });
    expect(cells(s)).toEqual(["web", "ClusterIP", "None", "<none>", "5432/TCP", "50m", "<none>"]);
  });

  it("prefers clusterIPs[0] over clusterIP", () => {
    expect(cells(service({ clusterIP: "10.0.0.1", clusterIPs: ["fd00::1", "10.0.0.1"] }))[2]).toBe("fd00::1");
  });
});
