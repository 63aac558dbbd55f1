import { describe, expect, it } from "vitest";
import type { Container, Pod } from "@ktl/api";
import { linuxResources, milliCpuToShares, milliCpuToQuota, oomScoreAdj, qosClass } from "./resources.js";

const GiB = 1024 ** 3;
const podWith = (...containers: Container[]): Pod => ({ spec: { containers } });

describe("cgroup settings", () => {
  it("converts CPU as the kubelet does", () => {
    expect(milliCpuToShares(0)).toBe(2);
    expect(milliCpuToShares(1)).toBe(2);
    expect(milliCpuToShares(250)).toBe(256);
    expect(milliCpuToShares(1000)).toBe(1024);
    expect(milliCpuToQuota(0, 100_000)).toBe(0);
    expect(milliCpuToQuota(500, 100_000)).toBe(50_000);
    expect(milliCpuToQuota(5, 100_000)).toBe(1000);
  });

  it("derives linux resources from requests and limits", () => {
    const c: Container = {
      name: "web",
      resources: { requests: { cpu: "250m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
    };
    expect(linuxResources(podWith(c), c, 8 * GiB)).toEqual({
      cpuShares: 256,
      cpuPeriod: 100_000,
      cpuQuota: 50_000,
      memoryLimitInBytes: 128 * 1024 * 1024,
      oomScoreAdj: 1000 - Math.floor((1000 * 64 * 1024 * 1024) / (8 * GiB)),
    });
    const limitOnly: Container = { name: "x", resources: { limits: { cpu: "1" } } };
    expect(linuxResources(podWith(limitOnly), limitOnly, 8 * GiB).cpuShares).toBe(1024);
    const none: Container = { name: "y" };
    expect(linuxResources(podWith(none), none, 8 * GiB)).toEqual({
      cpuShares: 2,
      cpuPeriod: 100_000,
      cpuQuota: 0,
      oomScoreAdj: 1000,
    });
  });

  it("classifies QoS and scores OOM by class", () => {
    const guaranteed: Container = {
      name: "g",
      resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
    };
    const burstable: Container = { name: "b", resources: { requests: { memory: "1Gi" } } };
    expect(qosClass(podWith(guaranteed))).toBe("Guaranteed");
    expect(qosClass(podWith(burstable))).toBe("Burstable");
    expect(qosClass(podWith({ name: "e" }))).toBe("BestEffort");
    expect(qosClass(podWith(guaranteed, { name: "e" }))).toBe("Burstable");
    expect(oomScoreAdj(podWith(guaranteed), guaranteed, 8 * GiB)).toBe(-997);
    expect(oomScoreAdj(podWith(burstable), burstable, 8 * GiB)).toBe(875);
    const huge: Container = { name: "h", resources: { requests: { memory: "8Gi" } } };
    expect(oomScoreAdj(podWith(huge), huge, 8 * GiB)).toBe(3);
  });
});
