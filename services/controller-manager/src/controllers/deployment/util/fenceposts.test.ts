import { describe, expect, it } from "vitest";
import type { Deployment, IntOrString } from "@ktl/api";
import { maxSurge, maxUnavailable, minAvailable, resolveFenceposts, scaledValue } from "./fenceposts.js";

const rolling = (replicas: number, surge?: IntOrString, unavailable?: IntOrString): Deployment => ({
  spec: {
    replicas,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } },
  },
});

describe("resolveFenceposts", () => {
  // [maxSurge, maxUnavailable, replicas] → [surge, unavailable]
  const table: [IntOrString | undefined, IntOrString | undefined, number, number, number][] = [
    ["25%", "25%", 5, 2, 1], // surge rounds up (1.25 → 2), unavailable down (1.25 → 1)
    ["25%", "25%", 4, 1, 1],
    ["25%", "25%", 10, 3, 2],
    ["25%", "25%", 3, 1, 0], // 0.75: up to 1, down to 0
    ["25%", "25%", 1, 1, 0],
    ["0%", "25%", 3, 0, 1], // both 0 after rounding: one may be unavailable
    [0, "10%", 5, 0, 1],
    [0, 0, 5, 0, 1],
    [undefined, undefined, 5, 0, 1],
    ["100%", "0%", 5, 5, 0],
    ["50%", "50%", 0, 0, 1], // no replicas: 0 and 0, so 1
    [2, 1, 5, 2, 1],
    [3, "30%", 10, 3, 3],
    ["33%", "33%", 10, 4, 3], // 3.3 → 4 and 3
    ["1%", "99%", 100, 1, 99],
  ];
  it.each(table)(
    "maxSurge %s, maxUnavailable %s of %i → %i, %i",
    (surge, unavailable, replicas, wantS, wantU) => {
      expect(resolveFenceposts(surge, unavailable, replicas)).toEqual({ surge: wantS, unavailable: wantU });
    },
  );

  it("refuses strings that are not percentages", () => {
    expect(() => scaledValue("5", 10, true)).toThrow(/not a percentage/);
    expect(() => scaledValue("5.5%", 10, true)).toThrow(/not a percentage/);
    expect(() => scaledValue("-5%", 10, true)).toThrow(/not a percentage/);
  });
});

describe("maxSurge / maxUnavailable / minAvailable of a Deployment", () => {
  it("resolve the rolling update's fenceposts", () => {
    const d = rolling(5, "25%", "25%");
    expect([maxSurge(d), maxUnavailable(d), minAvailable(d)]).toEqual([2, 1, 4]);
  });

  it("cap maxUnavailable at the replicas", () => {
    const d = rolling(3, 0, 10);
    expect([maxSurge(d), maxUnavailable(d), minAvailable(d)]).toEqual([0, 3, 0]);
  });

  it("are 0 for Recreate and for 0 replicas", () => {
    const recreate: Deployment = { spec: { replicas: 5, strategy: { type: "Recreate" } } };
    expect([maxSurge(recreate), maxUnavailable(recreate), minAvailable(recreate)]).toEqual([0, 0, 0]);
    expect(maxUnavailable(rolling(0, "25%", "25%"))).toBe(0);
  });

  it("count an invalid value as 0, as Kubernetes does (validation refuses it)", () => {
    expect(maxSurge(rolling(5, "lots", 1))).toBe(0);
  });
});
