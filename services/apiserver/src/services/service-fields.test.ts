import { describe, expect, it } from "vitest";
import type { Service, ServiceSpec } from "@ktl/api";
import { heldClusterIPs, heldNodePorts, prepareServiceUpdate, touchesRanges } from "./service-fields.js";

const svc = (spec: ServiceSpec): Service => ({ metadata: { name: "web", namespace: "default" }, spec });

const nodePortSvc = svc({
  type: "NodePort",
  clusterIP: "100.96.1.1",
  clusterIPs: ["100.96.1.1"],
  externalTrafficPolicy: "Cluster",
  ipFamilies: ["IPv4"],
  ipFamilyPolicy: "SingleStack",
  ports: [
    { name: "http", port: 80, nodePort: 30080 },
    { name: "https", port: 443, nodePort: 30443 },
  ],
});

describe("what a Service holds", () => {
  it("counts cluster IPs unless headless or ExternalName, node ports only for NodePort/LoadBalancer", () => {
    expect(heldClusterIPs(nodePortSvc)).toEqual(["100.96.1.1"]);
    expect([...heldNodePorts(nodePortSvc)]).toEqual([30080, 30443]);
    expect(heldClusterIPs(svc({ clusterIP: "None" }))).toEqual([]);
    expect(heldClusterIPs(svc({ type: "ExternalName", clusterIP: "100.96.1.1" }))).toEqual([]);
    expect([...heldNodePorts(svc({ type: "ClusterIP", ports: [{ port: 80, nodePort: 30080 }] }))]).toEqual(
      [],
    );
    const lb = svc({ type: "LoadBalancer", externalTrafficPolicy: "Local", healthCheckNodePort: 31000 });
    expect([...heldNodePorts(lb)]).toEqual([31000]);
  });

  it("tells which writes need the allocator", () => {
    expect(touchesRanges(svc({ type: "ClusterIP" }), undefined)).toBe(true); // needs an IP
    expect(touchesRanges(svc({ clusterIP: "None" }), undefined)).toBe(false);
    expect(touchesRanges(nodePortSvc, nodePortSvc)).toBe(false);
    const relabelled = { ...nodePortSvc, metadata: { ...nodePortSvc.metadata, labels: { a: "b" } } };
    expect(touchesRanges(relabelled, nodePortSvc)).toBe(false);
    const onePort = svc({ ...nodePortSvc.spec, ports: nodePortSvc.spec?.ports?.slice(0, 1) });
    expect(touchesRanges(onePort, nodePortSvc)).toBe(true);
    expect(touchesRanges(undefined, nodePortSvc)).toBe(true);
    expect(touchesRanges(undefined, svc({ clusterIP: "None" }))).toBe(false);
  });
});

describe("prepareServiceUpdate", () => {
  it("keeps allocated values a client left out", () => {
    const next = svc({
      type: "NodePort",
      ports: [
        { name: "http", port: 80 },
        { name: "https", port: 443 },
      ],
    });
    prepareServiceUpdate(next, nodePortSvc);
    expect(next.spec?.clusterIP).toBe("100.96.1.1");
    expect(next.spec?.clusterIPs).toEqual(["100.96.1.1"]);
    expect(next.spec?.ports?.map((p) => p.nodePort)).toEqual([30080, 30443]);
  });

  it("does not hand a node port to a second port that another port already kept", () => {
    const next = svc({
      type: "NodePort",
      ports: [
        { name: "https", port: 443, nodePort: 30080 },
        { name: "http", port: 80 },
      ],
    });
    prepareServiceUpdate(next, nodePortSvc);
    expect(next.spec?.ports?.map((p) => p.nodePort)).toEqual([30080, undefined]);
  });

  it("drops node ports and the traffic policy on a switch to ClusterIP, when the client left them as they were", () => {
    const next = structuredClone(nodePortSvc);
    next.spec = { ...next.spec, type: "ClusterIP" };
    prepareServiceUpdate(next, nodePortSvc);
    expect(next.spec?.ports?.map((p) => p.nodePort)).toEqual([undefined, undefined]);
    expect(next.spec?.externalTrafficPolicy).toBeUndefined();
    expect(next.spec?.clusterIP).toBe("100.96.1.1");

    // Changed ones stay, for validation to refuse.
    const changed = structuredClone(nodePortSvc);
    changed.spec = {
      ...changed.spec,
      type: "ClusterIP",
      ports: [{ name: "http", port: 80, nodePort: 30999 }],
    };
    prepareServiceUpdate(changed, nodePortSvc);
    expect(changed.spec?.ports?.[0]?.nodePort).toBe(30999);
  });

  it("drops the cluster IP and families on a switch to ExternalName", () => {
    const next = structuredClone(nodePortSvc);
    next.spec = { ...next.spec, type: "ExternalName", externalName: "db.example.com" };
    prepareServiceUpdate(next, nodePortSvc);
    expect(next.spec?.clusterIP).toBeUndefined();
    expect(next.spec?.clusterIPs).toBeUndefined();
    expect(next.spec?.ipFamilies).toBeUndefined();
    expect(next.spec?.ipFamilyPolicy).toBeUndefined();
  });

  it("makes a change of clusterIP alone a change of both, so immutability is checked", () => {
    const next = structuredClone(nodePortSvc);
    next.spec = { ...next.spec, clusterIP: "100.96.9.9" };
    prepareServiceUpdate(next, nodePortSvc);
    expect(next.spec?.clusterIPs).toEqual(["100.96.9.9"]);
  });
});
