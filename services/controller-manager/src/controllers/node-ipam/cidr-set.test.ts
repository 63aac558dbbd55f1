import { describe, expect, it } from "vitest";
import { CidrSet } from "./cidr-set.js";

describe("CidrSet", () => {
  it("hands out the lowest free range, and a released one next", () => {
    const set = new CidrSet("100.64.0.0/16", 24);
    expect(set.size).toBe(256);
    expect([set.allocateNext(), set.allocateNext(), set.allocateNext()]).toEqual([
      "100.64.0.0/24",
      "100.64.1.0/24",
      "100.64.2.0/24",
    ]);
    set.release("100.64.1.0/24");
    expect(set.isUsed("100.64.1.0/24")).toBe(false);
    expect(set.allocateNext()).toBe("100.64.1.0/24");
    expect(set.allocateNext()).toBe("100.64.3.0/24");
    expect(set.allocated).toBe(4);
  });

  it("skips ranges marked used", () => {
    const set = new CidrSet("100.64.0.0/16", 24);
    expect(set.occupy("100.64.0.0/24")).toBe(true);
    expect(set.occupy("100.64.1.0/24")).toBe(true);
    expect(set.occupy("100.64.1.0/24")).toBe(true); // idempotent
    expect(set.allocated).toBe(2);
    expect(set.allocateNext()).toBe("100.64.2.0/24");
  });

  it("does not track ranges outside the cluster range or of another size", () => {
    const set = new CidrSet("100.64.0.0/16", 24);
    expect(set.occupy("10.0.0.0/24")).toBe(false);
    expect(set.occupy("100.64.0.0/25")).toBe(false);
    set.release("10.0.0.0/24");
    expect(set.allocated).toBe(0);
    expect(() => set.occupy("not-a-cidr")).toThrow(/invalid CIDR/);
  });

  it("runs out, and recovers when a range is released", () => {
    const set = new CidrSet("10.0.0.0/23", 24);
    expect(set.allocateNext()).toBe("10.0.0.0/24");
    expect(set.allocateNext()).toBe("10.0.1.0/24");
    expect(set.allocateNext()).toBeUndefined();
    set.release("10.0.0.0/24");
    set.release("10.0.0.0/24"); // twice is once
    expect(set.allocated).toBe(1);
    expect(set.allocateNext()).toBe("10.0.0.0/24");
  });

  it("refuses a mask shorter than the cluster range, and more than 2^16 ranges", () => {
    expect(() => new CidrSet("100.64.0.0/16", 8)).toThrow(/does not fit/);
    expect(() => new CidrSet("10.0.0.0/8", 30)).toThrow(/at most 65536/);
    expect(new CidrSet("10.0.0.0/8", 24).size).toBe(65536);
  });
});
