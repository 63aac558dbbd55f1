import { describe, expect, it } from "vitest";
import { computeZoneState, zoneKey, ZoneDisruption } from "./disruption.js";

const settings = {
  evictionQps: 0.1,
  secondaryEvictionQps: 0.01,
  largeClusterSizeThreshold: 50,
  unhealthyZoneThreshold: 0.55,
};

const nodes = (zone: string, ready: number, notReady: number) => [
  ...Array.from({ length: ready }, () => ({ zone, ready: true })),
  ...Array.from({ length: notReady }, () => ({ zone, ready: false })),
];

describe("computeZoneState", () => {
  it("follows Kubernetes: none ready is full, ≥55 % of more than 2 is partial", () => {
    expect(computeZoneState(0, 1, 0.55)).toBe("FullDisruption");
    expect(computeZoneState(1, 2, 0.55)).toBe("Normal"); // only 2 not ready
    expect(computeZoneState(2, 3, 0.55)).toBe("PartialDisruption");
    expect(computeZoneState(3, 3, 0.55)).toBe("Normal"); // 50 %
    expect(computeZoneState(0, 0, 0.55)).toBe("Normal");
  });
});

describe("zoneKey", () => {
  it("joins region and zone as Kubernetes' GetZoneKey, empty without labels", () => {
    expect(zoneKey({ metadata: { name: "n" } })).toBe("");
    expect(
      zoneKey({
        metadata: { labels: { "topology.kubernetes.io/region": "r", "topology.kubernetes.io/zone": "z" } },
      }),
    ).toBe("r:\x00:z");
    expect(zoneKey({ metadata: { labels: { "failure-domain.beta.kubernetes.io/zone": "old" } } })).toBe(
      ":\x00:old",
    );
  });
});

describe("ZoneDisruption", () => {
  it("lets one taint through, then one per 1/qps seconds", () => {
    const d = new ZoneDisruption(settings);
    d.update(nodes("", 9, 1), 0);
    expect(d.takeTaintToken("", 0)).toBe(0);
    expect(d.takeTaintToken("", 0)).toBe(10_000);
    expect(d.takeTaintToken("", 4_000)).toBe(6_000);
    expect(d.takeTaintToken("", 10_000)).toBe(0);
  });

  it("slows a large partially disrupted zone and stops a small one", () => {
    const d = new ZoneDisruption(settings);
    d.update([...nodes("big", 20, 40), ...nodes("small", 1, 3)], 0);
    expect(d.stateOf("big")).toBe("PartialDisruption");
    expect(d.takeTaintToken("small", 0)).toBe(Infinity);
    expect(d.takeTaintToken("big", 0)).toBe(0); // its burst
    expect(d.takeTaintToken("big", 0)).toBe(100_000);
  });

  it("enters master disruption mode only when every zone is fully disrupted, and leaves it", () => {
    const d = new ZoneDisruption(settings);
    expect(d.update([...nodes("a", 0, 3), ...nodes("b", 1, 0)], 0)).toBeUndefined();
    expect(d.inMasterDisruption).toBe(false);
    expect(d.takeTaintToken("a", 0)).toBe(0); // a fully disrupted zone keeps the normal rate
    expect(d.update([...nodes("a", 0, 3), ...nodes("b", 0, 1)], 1_000)).toBe("entered");
    expect(d.takeTaintToken("a", 100_000)).toBe(Infinity);
    expect(d.update([...nodes("a", 0, 3), ...nodes("b", 1, 0)], 200_000)).toBe("exited");
    expect(d.takeTaintToken("a", 200_000)).toBe(0);
  });
});
