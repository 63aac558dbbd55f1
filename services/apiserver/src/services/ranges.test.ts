import { describe, expect, it } from "vitest";
import { PortRange, ServiceIPRange } from "./ranges.js";

describe("ServiceIPRange", () => {
  it("maps addresses to offsets without the network and broadcast addresses", () => {
    const r = new ServiceIPRange("100.96.0.0/16");
    expect(r.text).toBe("100.96.0.0/16");
    expect(r.size).toBe(65534);
    expect(r.firstIP).toBe("100.96.0.1");
    expect(r.offsetOf("100.96.0.1")).toBe(0);
    expect(r.offsetOf("100.96.1.0")).toBe(255);
    expect(r.offsetOf("100.96.255.254")).toBe(65533);
    expect(r.valueAt(65533)).toBe("100.96.255.254");
    for (const outside of ["100.96.0.0", "100.96.255.255", "100.97.0.1", "10.0.0.1", "fd00::1", "x"]) {
      expect(r.offsetOf(outside)).toBeUndefined();
    }
  });

  it("normalises the CIDR and refuses bad, too large or too small ones", () => {
    expect(new ServiceIPRange("10.96.3.4/24").text).toBe("10.96.3.0/24");
    expect(() => new ServiceIPRange("10.96.0.0")).toThrow(/must be an IPv4 CIDR/);
    expect(() => new ServiceIPRange("fd00::/112")).toThrow(/must be an IPv4 CIDR/);
    expect(() => new ServiceIPRange("10.0.0.0/8")).toThrow(
      "specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12",
    );
    expect(() => new ServiceIPRange("10.0.0.0/31")).toThrow(/too small/);
  });

  it("keeps Kubernetes' static band and never hands out the first address dynamically", () => {
    // /16: 65536 / 16 = 4096, capped at 256.
    const b = new ServiceIPRange("100.96.0.0/16").newBitmap();
    expect(b.staticBand).toBe(256);
    expect(b.reserved).toBe(1);
    // /28: 16 addresses, no band.
    const small = new ServiceIPRange("10.0.0.0/28");
    const bitmap = small.newBitmap();
    expect(bitmap.staticBand).toBe(0);
    const handed = new Set<string>();
    for (let o = bitmap.allocateNext(); o !== undefined; o = bitmap.allocateNext())
      handed.add(small.valueAt(o));
    expect(handed.size).toBe(13);
    expect(handed.has("10.0.0.1")).toBe(false);
  });
});

describe("PortRange", () => {
  it("parses FIRST-LAST, FIRST+N and a single port", () => {
    const r = new PortRange("30000-32767");
    expect([r.text, r.size, r.base]).toEqual(["30000-32767", 2768, 30000]);
    expect(r.offsetOf(30000)).toBe(0);
    expect(r.offsetOf(32767)).toBe(2767);
    expect(r.offsetOf(29999)).toBeUndefined();
    expect(r.offsetOf(32768)).toBeUndefined();
    expect(r.valueAt(80)).toBe(30080);
    expect(new PortRange("30000+9").text).toBe("30000-30009");
    expect(new PortRange("31000").size).toBe(1);
    // 2768 / 32 = 86.
    expect(r.newBitmap().staticBand).toBe(86);
  });

  it("refuses bad ranges", () => {
    for (const bad of ["", "a-b", "32767-30000", "0-10", "60000-70000"]) {
      expect(() => new PortRange(bad)).toThrow(/invalid --service-node-port-range/);
    }
  });
});
