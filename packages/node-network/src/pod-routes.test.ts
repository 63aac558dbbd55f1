import { describe, expect, it } from "vitest";
import { desiredPodRoutes, diffPodRoutes, routeDst, type RoutableNode } from "./pod-routes.js";

function node(name: string, podCIDR: string | undefined, internalIp: string | undefined): RoutableNode {
  return {
    metadata: { name },
    spec: podCIDR === undefined ? {} : { podCIDR },
    status: {
      addresses: [
        { type: "Hostname", address: name },
        ...(internalIp === undefined ? [] : [{ type: "InternalIP", address: internalIp }]),
      ],
    },
  };
}

const here = { nodeName: "m1-a", localAddresses: ["192.0.2.11", "127.0.0.1"] };

describe("desiredPodRoutes", () => {
  it("routes each remote node's podCIDR via its InternalIP, and nothing for local nodes", () => {
    const nodes = [
      node("m2", "100.64.2.0/24", "192.0.2.12"),
      node("m1-a", "100.64.1.0/24", "192.0.2.99"), // itself, whatever its address says
      node("m1-b", "100.64.3.0/24", "192.0.2.11"), // another node on this machine
      node("lo", "100.64.4.0/24", "127.0.1.4"), // the local cluster's loopback nodes
      node("m3", "100.64.5.0/24", "192.0.2.13"),
      node("new", undefined, "192.0.2.14"), // no podCIDR yet: nothing, and no complaint
    ];
    expect(desiredPodRoutes(nodes, here)).toEqual({
      routes: [
        { cidr: "100.64.2.0/24", via: "192.0.2.12", node: "m2" },
        { cidr: "100.64.5.0/24", via: "192.0.2.13", node: "m3" },
      ],
      problems: [],
    });
  });

  it("is empty on one machine (the local cluster)", () => {
    const nodes = [1, 2, 3].map((i) => node(`n${i}`, `100.64.${i}.0/24`, `127.0.1.${i}`));
    expect(desiredPodRoutes(nodes, { nodeName: "n1", localAddresses: [] })).toEqual({
      routes: [],
      problems: [],
    });
  });

  it("refuses pod CIDRs outside the pod range, unusable next hops and overlaps", () => {
    const nodes = [
      node("a-default", "0.0.0.0/0", "192.0.2.20"),
      node("b-outside", "10.0.0.0/24", "192.0.2.21"),
      node("c-whole", "100.64.0.0/16", "192.0.2.22"),
      node("d-noip", "100.64.9.0/24", undefined),
      node("e-podip", "100.64.10.0/24", "100.64.1.7"),
      node("f-bad", "100.64.11.0/24", "not-an-ip"),
      node("g-ok", "100.64.12.0/24", "192.0.2.23"),
      node("h-dup", "100.64.12.0/24", "192.0.2.24"),
      node("i-mine", "100.64.1.0/25", "192.0.2.25"), // inside the local node's /24
      node("m1-a", "100.64.1.0/24", "192.0.2.11"),
      node("j-multicast", "100.64.13.0/24", "224.0.0.1"),
    ];
    const { routes, problems } = desiredPodRoutes(nodes, here);
    expect(routes).toEqual([{ cidr: "100.64.12.0/24", via: "192.0.2.23", node: "g-ok" }]);
    expect(problems).toHaveLength(9);
    expect(problems.join("\n")).toMatch(/a-default: podCIDR 0\.0\.0\.0\/0 is not a subnet/);
    expect(problems.join("\n")).toMatch(/h-dup: podCIDR 100\.64\.12\.0\/24 overlaps node g-ok's/);
    expect(problems.join("\n")).toMatch(/i-mine: .* overlaps node m1-a's 100\.64\.1\.0\/24/);
    expect(problems.join("\n")).toMatch(/e-podip: no usable InternalIP \(100\.64\.1\.7\)/);
  });

  it("honours another pod range", () => {
    const nodes = [node("m2", "10.244.2.0/24", "192.0.2.12"), node("m3", "100.64.3.0/24", "192.0.2.13")];
    const { routes, problems } = desiredPodRoutes(nodes, { ...here, podRange: "10.244.0.0/16" });
    expect(routes).toEqual([{ cidr: "10.244.2.0/24", via: "192.0.2.12", node: "m2" }]);
    expect(problems).toHaveLength(1);
  });
});

describe("diffPodRoutes", () => {
  const want = [
    { cidr: "100.64.2.0/24", via: "192.0.2.12", node: "m2" },
    { cidr: "100.64.3.0/24", via: "192.0.2.13", node: "m3" },
    { cidr: "100.64.4.0/24", via: "192.0.2.14", node: "m4" },
  ];

  it("replaces what is missing or differs, removes what is unwanted, leaves others' routes", () => {
    const owned = [
      { dst: "100.64.2.0/24", gateway: "192.0.2.12", dev: "eth0" }, // as wanted
      { dst: "100.64.3.0/24", gateway: "192.0.2.99", dev: "eth0" }, // node moved
      { dst: "100.64.7.0/24", gateway: "192.0.2.17", dev: "eth0" }, // node gone
    ];
    const foreign = [{ dst: "100.64.4.0/24", gateway: "192.0.2.40" }, { dst: "100.64.0.0/16" }];
    expect(diffPodRoutes(want, owned, foreign)).toEqual({
      replace: [want[1]],
      remove: ["100.64.7.0/24"],
      conflicts: [want[2]],
    });
  });

  it("is empty when everything is in place, and re-pins routes on the wrong device", () => {
    const owned = want.map((r) => ({ dst: r.cidr, gateway: r.via, dev: "eth0" }));
    expect(diffPodRoutes(want, owned, [], "eth0")).toEqual({ replace: [], remove: [], conflicts: [] });
    expect(diffPodRoutes(want, owned, [], "eth1").replace).toEqual(want);
  });

  it("reads ip's host routes as /32", () => {
    expect(routeDst("100.64.5.5")).toBe("100.64.5.5/32");
    expect(routeDst("100.64.5.0/24")).toBe("100.64.5.0/24");
  });
});
