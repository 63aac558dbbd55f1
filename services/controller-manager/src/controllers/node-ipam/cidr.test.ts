import { describe, expect, it } from "vitest";
import {
  contains,
  formatCidr,
  formatIp,
  nthSubnet,
  parseCidr,
  parseIp,
  subnetCount,
  subnetIndex,
} from "./cidr.js";

const cidr = (text: string) => parseCidr(text);

describe("parseIp / formatIp", () => {
  it("round-trips addresses across the whole range", () => {
    for (const ip of ["0.0.0.0", "10.1.2.3", "100.64.0.0", "192.168.255.254", "255.255.255.255"]) {
      expect(formatIp(parseIp(ip))).toBe(ip);
    }
    expect(parseIp("255.255.255.255")).toBe(0xffffffff);
    expect(parseIp("100.64.0.1")).toBe(100 * 2 ** 24 + 64 * 2 ** 16 + 1);
  });

  it("refuses what is not a dotted quad", () => {
    for (const bad of ["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "a.b.c.d", "1.2.3.-1", "::1"]) {
      expect(() => parseIp(bad), bad).toThrow(/invalid IPv4 address/);
    }
  });
});

describe("parseCidr / formatCidr", () => {
  it("parses and normalizes to the network address, as net.ParseCIDR does", () => {
    expect(formatCidr(cidr("100.64.0.0/16"))).toBe("100.64.0.0/16");
    expect(formatCidr(cidr("100.64.7.9/16"))).toBe("100.64.0.0/16");
    expect(formatCidr(cidr("10.0.0.1/32"))).toBe("10.0.0.1/32");
    expect(formatCidr(cidr("10.9.8.7/0"))).toBe("0.0.0.0/0");
    expect(formatCidr(cidr("255.255.255.255/1"))).toBe("128.0.0.0/1");
  });

  it("refuses malformed ranges", () => {
    for (const bad of [
      "100.64.0.0",
      "100.64.0.0/",
      "100.64.0.0/33",
      "100.64.0.0/-1",
      "100.64.0/16",
      "x/16",
    ]) {
      expect(() => parseCidr(bad), bad).toThrow(/invalid/);
    }
  });
});

describe("subnets", () => {
  const cluster = cidr("100.64.0.0/16");

  it("counts the subnets of a prefix length", () => {
    expect(subnetCount(cluster, 24)).toBe(256);
    expect(subnetCount(cluster, 16)).toBe(1);
    expect(subnetCount(cidr("0.0.0.0/0"), 16)).toBe(65536);
    expect(() => subnetCount(cluster, 8)).toThrow(/does not fit/);
  });

  it("finds the n-th subnet", () => {
    expect(formatCidr(nthSubnet(cluster, 24, 0))).toBe("100.64.0.0/24");
    expect(formatCidr(nthSubnet(cluster, 24, 1))).toBe("100.64.1.0/24");
    expect(formatCidr(nthSubnet(cluster, 24, 255))).toBe("100.64.255.0/24");
    expect(formatCidr(nthSubnet(cluster, 26, 5))).toBe("100.64.1.64/26");
    expect(formatCidr(nthSubnet(cidr("128.0.0.0/1"), 2, 1))).toBe("192.0.0.0/2");
    expect(() => nthSubnet(cluster, 24, 256)).toThrow(/no subnet/);
    expect(() => nthSubnet(cluster, 24, -1)).toThrow(/no subnet/);
  });

  it("tells whether an address or a range is inside", () => {
    expect(contains(cluster, parseIp("100.64.200.7"))).toBe(true);
    expect(contains(cluster, parseIp("100.65.0.0"))).toBe(false);
    expect(contains(cluster, cidr("100.64.3.0/24"))).toBe(true);
    expect(contains(cluster, cidr("100.64.0.0/16"))).toBe(true);
    expect(contains(cluster, cidr("100.64.0.0/15"))).toBe(false);
    expect(contains(cluster, cidr("10.64.3.0/24"))).toBe(false);
    expect(contains(cidr("0.0.0.0/0"), parseIp("255.255.255.255"))).toBe(true);
  });

  it("gives the index of a subnet, only for an exact subnet of that length", () => {
    expect(subnetIndex(cluster, 24, cidr("100.64.0.0/24"))).toBe(0);
    expect(subnetIndex(cluster, 24, cidr("100.64.42.0/24"))).toBe(42);
    expect(subnetIndex(cluster, 24, cidr("100.64.42.0/25"))).toBeUndefined();
    expect(subnetIndex(cluster, 24, cidr("100.65.0.0/24"))).toBeUndefined();
    for (let n = 0; n < 256; n += 17) {
      expect(subnetIndex(cluster, 24, nthSubnet(cluster, 24, n))).toBe(n);
    }
  });
});
