import { describe, expect, it } from "vitest";
import type { Pod, Service, ServicePort } from "@ktl/api";
import { endpointSubsets, findPort, shouldPodBeInEndpoints } from "./subsets.js";

function service(ports: ServicePort[], extra: Partial<NonNullable<Service["spec"]>> = {}): Service {
  return {
    metadata: { name: "web", namespace: "ns" },
    spec: { selector: { app: "web" }, clusterIP: "100.96.0.10", ports, ...extra },
  };
}

interface PodOptions {
  ip?: string;
  ready?: boolean;
  phase?: string;
  deleting?: boolean;
  node?: string;
  ports?: { name: string; containerPort: number; protocol?: string }[];
}

function pod(name: string, o: PodOptions = {}): Pod {
  return {
    metadata: {
      name,
      namespace: "ns",
      uid: `uid-${name}`,
      labels: { app: "web" },
      ...(o.deleting ? { deletionTimestamp: "2024-01-01T00:00:00Z" } : {}),
    },
    spec: { nodeName: o.node ?? "node-1", containers: [{ name: "c", image: "x", ports: o.ports ?? [] }] },
    status: {
      phase: o.phase ?? "Running",
      ...(o.ip === "" ? {} : { podIP: o.ip ?? `10.0.0.${name.length}` }),
      conditions: [{ type: "Ready", status: (o.ready ?? true) ? "True" : "False" }],
    },
  };
}

const ref = (name: string) => ({ kind: "Pod", namespace: "ns", name, uid: `uid-${name}` });

describe("shouldPodBeInEndpoints", () => {
  it("leaves out pods without an IP, finished pods and (unless published) terminating pods", () => {
    expect(shouldPodBeInEndpoints(pod("a"), false)).toBe(true);
    expect(shouldPodBeInEndpoints(pod("a", { ip: "" }), false)).toBe(false);
    expect(shouldPodBeInEndpoints(pod("a", { phase: "Succeeded" }), false)).toBe(false);
    expect(shouldPodBeInEndpoints(pod("a", { phase: "Failed" }), true)).toBe(false);
    expect(shouldPodBeInEndpoints(pod("a", { deleting: true }), false)).toBe(false);
    expect(shouldPodBeInEndpoints(pod("a", { deleting: true }), true)).toBe(true);
  });
});

describe("findPort", () => {
  it("uses a number as is and looks a name up with the same protocol", () => {
    const p = pod("a", {
      ports: [
        { name: "http", containerPort: 8080 },
        { name: "dns", containerPort: 5353, protocol: "UDP" },
      ],
    });
    expect(findPort(p, { port: 80, targetPort: 9090 })).toBe(9090);
    expect(findPort(p, { port: 80 })).toBe(80);
    expect(findPort(p, { port: 80, targetPort: "http", protocol: "TCP" })).toBe(8080);
    expect(findPort(p, { port: 53, targetPort: "dns", protocol: "UDP" })).toBe(5353);
    expect(findPort(p, { port: 53, targetPort: "dns", protocol: "TCP" })).toBeUndefined();
    expect(findPort(p, { port: 80, targetPort: "metrics" })).toBeUndefined();
  });
});

describe("endpointSubsets", () => {
  it("splits ready and not-ready pods, sorted by IP, with node names and pod references", () => {
    const svc = service([{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }]);
    const subsets = endpointSubsets(svc, [
      pod("b", { ip: "10.0.0.10" }),
      pod("a", { ip: "10.0.0.9", node: "node-2" }),
      pod("c", { ip: "10.0.0.11", ready: false }),
      pod("gone", { ip: "10.0.0.12", deleting: true }),
      pod("done", { ip: "10.0.0.13", phase: "Succeeded" }),
      pod("new", { ip: "" }),
    ]);
    expect(subsets).toEqual([
      {
        addresses: [
          { ip: "10.0.0.9", nodeName: "node-2", targetRef: ref("a") },
          { ip: "10.0.0.10", nodeName: "node-1", targetRef: ref("b") },
        ],
        notReadyAddresses: [{ ip: "10.0.0.11", nodeName: "node-1", targetRef: ref("c") }],
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      },
    ]);
  });

  it("resolves a named targetPort per pod: pods with different numbers get their own subsets, pods without it none", () => {
    const svc = service([{ name: "http", port: 80, targetPort: "web", protocol: "TCP" }]);
    const subsets = endpointSubsets(svc, [
      pod("a", { ip: "10.0.0.1", ports: [{ name: "web", containerPort: 8080 }] }),
      pod("b", { ip: "10.0.0.2", ports: [{ name: "web", containerPort: 9090 }] }),
      pod("c", { ip: "10.0.0.3", ports: [{ name: "web", containerPort: 8080 }] }),
      pod("d", { ip: "10.0.0.4", ports: [{ name: "other", containerPort: 8080 }] }),
    ]);
    expect(subsets).toEqual([
      {
        addresses: [
          { ip: "10.0.0.1", nodeName: "node-1", targetRef: ref("a") },
          { ip: "10.0.0.3", nodeName: "node-1", targetRef: ref("c") },
        ],
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      },
      {
        addresses: [{ ip: "10.0.0.2", nodeName: "node-1", targetRef: ref("b") }],
        ports: [{ name: "http", port: 9090, protocol: "TCP" }],
      },
    ]);
  });

  it("groups the ports that the same pods offer into one subset", () => {
    const svc = service([
      { name: "https", port: 443, targetPort: 8443, protocol: "TCP" },
      { name: "http", port: 80, targetPort: "web", protocol: "TCP" },
    ]);
    const subsets = endpointSubsets(svc, [
      pod("a", { ip: "10.0.0.1", ports: [{ name: "web", containerPort: 8080 }] }),
      pod("b", { ip: "10.0.0.2", ports: [{ name: "web", containerPort: 8080 }] }),
      pod("c", { ip: "10.0.0.3" }), // no "web" port: only https
    ]);
    expect(subsets).toEqual([
      {
        addresses: [
          { ip: "10.0.0.1", nodeName: "node-1", targetRef: ref("a") },
          { ip: "10.0.0.2", nodeName: "node-1", targetRef: ref("b") },
        ],
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      },
      {
        addresses: [
          { ip: "10.0.0.1", nodeName: "node-1", targetRef: ref("a") },
          { ip: "10.0.0.2", nodeName: "node-1", targetRef: ref("b") },
          { ip: "10.0.0.3", nodeName: "node-1", targetRef: ref("c") },
        ],
        ports: [{ name: "https", port: 8443, protocol: "TCP" }],
      },
    ]);
  });

  it("publishes not-ready and terminating pods as ready when the Service asks", () => {
    const svc = service([{ port: 80, protocol: "TCP" }], { publishNotReadyAddresses: true });
    const subsets = endpointSubsets(svc, [
      pod("a", { ip: "10.0.0.1", ready: false }),
      pod("b", { ip: "10.0.0.2", deleting: true }),
    ]);
    expect(subsets).toEqual([
      {
        addresses: [
          { ip: "10.0.0.1", nodeName: "node-1", targetRef: ref("a") },
          { ip: "10.0.0.2", nodeName: "node-1", targetRef: ref("b") },
        ],
        ports: [{ port: 80, protocol: "TCP" }],
      },
    ]);
  });

  it("lists bare addresses for a headless Service without ports, with hostnames for its subdomain", () => {
    const svc = service([], { clusterIP: "None" });
    const named = pod("a", { ip: "10.0.0.1" });
    named.spec = { ...named.spec, hostname: "a", subdomain: "web" };
    expect(endpointSubsets(svc, [named])).toEqual([
      { addresses: [{ ip: "10.0.0.1", nodeName: "node-1", hostname: "a", targetRef: ref("a") }] },
    ]);
  });

  it("gives no subsets without pods", () => {
    expect(endpointSubsets(service([{ port: 80, protocol: "TCP" }]), [])).toEqual([]);
  });
});
