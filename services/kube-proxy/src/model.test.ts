import { describe, expect, it } from "vitest";
import type { Endpoints, Service } from "@ktl/api";
import { buildState, clusterIPsOf } from "./model.js";

const OPTIONS = { serviceCidr: "100.96.0.0/16", clusterCidr: "100.64.0.0/16" };

function svc(name: string, spec: Service["spec"]): Service {
  return { metadata: { namespace: "default", name }, spec };
}

describe("buildState", () => {
  it("pairs Service ports with Endpoints ports by name and protocol, ready addresses only", () => {
    const services = [
      svc("web", {
        type: "NodePort",
        clusterIP: "100.96.0.10",
        ports: [
          { name: "http", port: 80, protocol: "TCP", nodePort: 30080 },
          { name: "dns", port: 53, protocol: "UDP" },
        ],
        sessionAffinity: "ClientIP",
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      }),
    ];
    const endpoints: Endpoints[] = [
      {
        metadata: { namespace: "default", name: "web" },
        subsets: [
          {
            addresses: [{ ip: "100.64.1.3" }, { ip: "100.64.1.2" }],
            notReadyAddresses: [{ ip: "100.64.1.9" }],
            ports: [
              { name: "http", port: 8080, protocol: "TCP" },
              { name: "dns", port: 5353, protocol: "UDP" },
            ],
          },
          { addresses: [{ ip: "100.64.2.2" }], ports: [{ name: "http", port: 8081, protocol: "TCP" }] },
        ],
      },
    ];
    const state = buildState(services, endpoints, OPTIONS);
    expect(state.skipped).toEqual([]);
    expect(state.ports).toEqual([
      {
        key: "default/web/tcp/80",
        namespace: "default",
        name: "web",
        portName: "http",
        protocol: "TCP",
        clusterIP: "100.96.0.10",
        port: 80,
        nodePort: 30080,
        affinitySeconds: 60,
        endpoints: [
          { ip: "100.64.1.2", port: 8080 },
          { ip: "100.64.1.3", port: 8080 },
          { ip: "100.64.2.2", port: 8081 },
        ],
      },
      {
        key: "default/web/udp/53",
        namespace: "default",
        name: "web",
        portName: "dns",
        protocol: "UDP",
        clusterIP: "100.96.0.10",
        port: 53,
        affinitySeconds: 60,
        endpoints: [
          { ip: "100.64.1.2", port: 5353 },
          { ip: "100.64.1.3", port: 5353 },
        ],
      },
    ]);
    expect(clusterIPsOf(state)).toEqual(["100.96.0.10"]);
  });

  it("refuses ClusterIPs outside the service range and endpoints outside pods and loopback", () => {
    const services = [
      svc("outside", { clusterIP: "192.0.2.10", ports: [{ port: 80 }] }),
      svc("ok", { clusterIP: "100.96.0.11", ports: [{ port: 80 }] }),
      svc("headless", { clusterIP: "None", ports: [{ port: 80 }] }),
      svc("ext", { type: "ExternalName", externalName: "example.com" }),
      svc("sctp", { clusterIP: "100.96.0.12", ports: [{ port: 80, protocol: "SCTP" }] }),
    ];
    const endpoints: Endpoints[] = [
      {
        metadata: { namespace: "default", name: "ok" },
        subsets: [
          {
            addresses: [{ ip: "8.8.8.8" }, { ip: "127.0.1.4" }, { ip: "100.64.0.5" }, { ip: "10.0.0.1" }],
            ports: [{ port: 9000 }],
          },
        ],
      },
    ];
    const state = buildState(services, endpoints, OPTIONS);
    expect(state.ports.map((p) => p.key)).toEqual(["default/ok/tcp/80"]);
    expect(state.ports[0]?.endpoints).toEqual([
      { ip: "100.64.0.5", port: 9000 },
      { ip: "127.0.1.4", port: 9000 },
    ]);
    expect(state.ports[0]?.nodePort).toBeUndefined();
    expect(state.skipped).toEqual([
      "default/outside: clusterIP 192.0.2.10 is outside the service range 100.96.0.0/16",
      "default/ok: endpoint 8.8.8.8 is neither in 100.64.0.0/16 nor loopback",
      "default/ok: endpoint 10.0.0.1 is neither in 100.64.0.0/16 nor loopback",
      "default/sctp: protocol SCTP is not supported",
    ]);
  });

  it("serves a Service without Endpoints with no endpoints, and ignores nodePort on ClusterIP Services", () => {
    const state = buildState(
      [
        svc("lonely", {
          type: "ClusterIP",
          clusterIP: "100.96.0.13",
          ports: [{ port: 80, nodePort: 30001 }],
        }),
      ],
      [],
      OPTIONS,
    );
    expect(state.ports).toHaveLength(1);
    expect(state.ports[0]?.endpoints).toEqual([]);
    expect(state.ports[0]?.nodePort).toBeUndefined();
  });
});
