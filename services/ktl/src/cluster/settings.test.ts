import { describe, expect, it } from "vitest";
import {
  DEFAULT_SETTINGS,
  hostSafetyPodRange,
  nodeSpecs,
  portsFor,
  resolveSettings,
  settingsDiff,
} from "./settings.js";

describe("resolveSettings", () => {
  it("takes flags over the previous cluster's settings over the defaults", () => {
    expect(resolveSettings(undefined, {})).toEqual(DEFAULT_SETTINGS);
    const previous = resolveSettings(undefined, { nodes: 3, portOffset: 20000 });
    expect(previous).toMatchObject({ nodes: 3, portOffset: 20000, nodePrefix: "ktl-node" });
    // A later `up` without flags keeps them; an explicit flag wins.
    expect(resolveSettings(previous, {})).toEqual(previous);
    expect(resolveSettings(previous, { nodes: 1, portOffset: undefined })).toMatchObject({
      nodes: 1,
      portOffset: 20000,
    });
  });

  it("refuses settings that cannot work, naming the flag", () => {
    expect(() => resolveSettings(undefined, { nodes: 0 })).toThrow(/--nodes must be between 1 and 254/);
    expect(() => resolveSettings(undefined, { nodes: 255 })).toThrow(/--nodes/);
    expect(() => resolveSettings(undefined, { proxyMode: "ipvs" as never })).toThrow(
      /--proxy-mode must be one of userspace, nftables/,
    );
    expect(() => resolveSettings(undefined, { clusterCidr: "100.64.0.1/16" })).toThrow(
      /--cluster-cidr.*host bits/,
    );
    expect(() => resolveSettings(undefined, { clusterCidr: "100.64.0.0/25" })).toThrow(
      /smaller than one node/,
    );
    expect(() => resolveSettings(undefined, { clusterCidr: "100.64.0.0/23", nodes: 3 })).toThrow(
      /room for 2 nodes/,
    );
    expect(() => resolveSettings(undefined, { nodePrefix: "Node_A" })).toThrow(/--node-prefix/);
    expect(() => resolveSettings(undefined, { portOffset: 60000 })).toThrow(/--port-offset 60000/);
    expect(() => resolveSettings(undefined, { portOffset: -2000 })).toThrow(/--port-offset/);
  });
});

describe("derived layout", () => {
  it("offsets every port", () => {
    expect(portsFor(0)).toMatchObject({ etcd: 2379, apiserver: 8080, apiserverGrpc: 8081, registry: 5000 });
    expect(portsFor(20000)).toMatchObject({ etcd: 22379, kubelet: 30250, nats: 24222 });
  });

  it("names nodes PREFIX-i, each on its own loopback address and cgroup", () => {
    expect(nodeSpecs({ ...DEFAULT_SETTINGS, nodes: 2 })).toEqual([
      { name: "ktl-node-1", index: 1, ip: "127.0.1.1", cgroupRoot: "/ktl/ktl-node-1" },
      { name: "ktl-node-2", index: 2, ip: "127.0.1.2", cgroupRoot: "/ktl/ktl-node-2" },
    ]);
  });

  it("guards the default pod range for clusters inside it, else the cluster's own", () => {
    expect(hostSafetyPodRange("100.64.0.0/16")).toBe("100.64.0.0/16");
    expect(hostSafetyPodRange("100.64.192.0/18")).toBe("100.64.0.0/16");
    expect(hostSafetyPodRange("100.65.0.0/16")).toBe("100.65.0.0/16");
    expect(hostSafetyPodRange("100.0.0.0/10")).toBe("100.0.0.0/10");
  });

  it("lists what differs", () => {
    expect(settingsDiff(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, nodes: 3 })).toEqual(["nodes 1 → 3"]);
    expect(settingsDiff(DEFAULT_SETTINGS, DEFAULT_SETTINGS)).toEqual([]);
  });
});
