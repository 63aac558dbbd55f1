import { describe, it, expect } from "vitest";
import { isValidCIDR, isValidIP, nonSpecialIPErrors, parseIPv6 } from "./formats.js";

describe("IP formats", () => {
  it("accepts IPv4 and IPv6 addresses", () => {
    for (const ip of [
      "10.0.0.1",
      "255.255.255.255",
      "::1",
      "fd00::10",
      "2001:db8::ffff",
      "::ffff:10.0.0.1",
      "1:2:3:4:5:6:7:8",
    ]) {
      expect(isValidIP(ip), ip).toBe(true);
    }
  });

  it("rejects malformed addresses", () => {
    for (const ip of ["", "10.0.0", "10.0.0.256", "1::2::3", "1:2:3:4:5:6:7:8:9", "abc", "fe80::1%eth0"]) {
      expect(isValidIP(ip), ip).toBe(false);
    }
  });

  it("expands IPv6 groups", () => {
    expect(parseIPv6("fd00::10")).toEqual([0xfd00, 0, 0, 0, 0, 0, 0, 0x10]);
    expect(parseIPv6("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
  });

  it("checks CIDRs", () => {
    expect(isValidCIDR("10.244.0.0/16")).toBe(true);
    expect(isValidCIDR("fd00::/64")).toBe(true);
    expect(isValidCIDR("10.244.0.0/33")).toBe(false);
    expect(isValidCIDR("10.244.0.0")).toBe(false);
  });

  it("flags special addresses", () => {
    expect(nonSpecialIPErrors("10.1.2.3")).toEqual([]);
    expect(nonSpecialIPErrors("::1")).toEqual(["may not be in the loopback range (127.0.0.0/8, ::1/128)"]);
    expect(nonSpecialIPErrors("fe80::1")).toEqual([
      "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
    ]);
    expect(nonSpecialIPErrors("224.0.0.5")).toEqual([
      "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
    ]);
    expect(nonSpecialIPErrors("::ffff:127.0.0.1")).toEqual([
      "may not be in the loopback range (127.0.0.0/8, ::1/128)",
    ]);
  });
});
