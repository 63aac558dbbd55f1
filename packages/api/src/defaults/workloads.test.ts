import { describe, it, expect } from "vitest";
import type { ConfigMap, Deployment, Endpoints, Namespace, Node, ReplicaSet, Service } from "../gen/types.js";
import { applyDefaults } from "./index.js";

describe("Deployment defaults", () => {
  it("fills in replicas, strategy and limits", () => {
    const d: Deployment = { spec: {} };
    applyDefaults("Deployment", d);
    expect(d.spec).toEqual({
      replicas: 1,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    });
  });

  it("keeps what is set and adds no rollingUpdate to Recreate", () => {
    const d: Deployment = { spec: { replicas: 0, strategy: { type: "Recreate" }, revisionHistoryLimit: 0 } };
    applyDefaults("Deployment", d);
    expect(d.spec).toMatchObject({ replicas: 0, strategy: { type: "Recreate" }, revisionHistoryLimit: 0 });
    const partial: Deployment = { spec: { strategy: { rollingUpdate: { maxSurge: 1 } } } };
    applyDefaults("Deployment", partial);
    expect(partial.spec?.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 1, maxUnavailable: "25%" },
    });
  });
});

describe("ReplicaSet defaults", () => {
  it("defaults replicas to 1 and the template", () => {
    const rs: ReplicaSet = { spec: { template: { spec: { containers: [{ name: "a", image: "x" }] } } } };
    applyDefaults("ReplicaSet", rs);
    expect(rs.spec?.replicas).toBe(1);
    expect(rs.spec?.template?.spec?.restartPolicy).toBe("Always");
  });
});

describe("Service defaults", () => {
  it("fills in a ClusterIP service", () => {
    const s: Service = { spec: { ports: [{ port: 80 }, { port: 53, protocol: "UDP", targetPort: "dns" }] } };
    applyDefaults("Service", s);
    expect(s.spec).toEqual({
      type: "ClusterIP",
      sessionAffinity: "None",
      ports: [
        { port: 80, protocol: "TCP", targetPort: 80 },
        { port: 53, protocol: "UDP", targetPort: "dns" },
      ],
      internalTrafficPolicy: "Cluster",
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
    });
  });

  it("sets externalTrafficPolicy only for externally reachable services", () => {
    const np: Service = { spec: { type: "NodePort", ports: [{ port: 80 }] } };
    applyDefaults("Service", np);
    expect(np.spec?.externalTrafficPolicy).toBe("Cluster");
    const lb: Service = { spec: { type: "LoadBalancer", externalTrafficPolicy: "Local" } };
    applyDefaults("Service", lb);
    expect(lb.spec?.externalTrafficPolicy).toBe("Local");
  });

  it("leaves ExternalName services without IP settings", () => {
    const s: Service = { spec: { type: "ExternalName", externalName: "db.example.com" } };
    applyDefaults("Service", s);
    expect(s.spec).toEqual({ type: "ExternalName", externalName: "db.example.com", sessionAffinity: "None" });
  });

  it("mirrors clusterIP into clusterIPs and defaults ClientIP affinity", () => {
    const s: Service = { spec: { clusterIP: "10.96.0.10", sessionAffinity: "ClientIP" } };
    applyDefaults("Service", s);
    expect(s.spec?.clusterIPs).toEqual(["10.96.0.10"]);
    expect(s.spec?.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
  });
});

describe("core kind defaults", () => {
  it("defaults Endpoints port protocols", () => {
    const ep: Endpoints = {
      subsets: [{ addresses: [{ ip: "10.0.0.1" }], ports: [{ port: 80 }, { port: 53, protocol: "UDP" }] }],
    };
    applyDefaults("Endpoints", ep);
    expect(ep.subsets?.[0]?.ports).toEqual([
      { port: 80, protocol: "TCP" },
      { port: 53, protocol: "UDP" },
    ]);
  });

  it("gives a Namespace its finalizer, phase and name label", () => {
    const ns: Namespace = { metadata: { name: "team-a" } };
    applyDefaults("Namespace", ns);
    expect(ns).toEqual({
      metadata: { name: "team-a", labels: { "kubernetes.io/metadata.name": "team-a" } },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    });
  });

  it("makes a Node's capacity allocatable when unset", () => {
    const node: Node = { status: { capacity: { cpu: "4" } } };
    applyDefaults("Node", node);
    expect(node.status?.allocatable).toEqual({ cpu: "4" });
  });

  it("leaves kinds without defaults alone", () => {
    const cm: ConfigMap = { data: { a: "b" } };
    applyDefaults("ConfigMap", cm);
    expect(cm).toEqual({ data: { a: "b" } });
  });
});
