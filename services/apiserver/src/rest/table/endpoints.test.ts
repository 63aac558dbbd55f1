import type { Endpoints } from "@ktl/api";
import { describe, expect, it } from "vitest";
import { endpointsPrinter, formatEndpoints } from "./endpoints.js";

const addresses = (...ips: string[]) => ips.map((ip) => ({ ip }));

describe("formatEndpoints", () => {
  it("is <none> without subsets", () => {
    expect(formatEndpoints({})).toBe("<none>");
    expect(formatEndpoints({ subsets: [] })).toBe("<none>");
  });

  it("lists ip:port for every ready address and port", () => {
    const ep: Endpoints = {
      subsets: [{ addresses: addresses("10.0.0.1", "10.0.0.2"), ports: [{ port: 80 }] }],
    };
    expect(formatEndpoints(ep)).toBe("10.0.0.1:80,10.0.0.2:80");
  });

  it("shows three and counts the rest", () => {
    const ep: Endpoints = {
      subsets: [
        { addresses: addresses("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"), ports: [{ port: 80 }] },
      ],
    };
    expect(formatEndpoints(ep)).toBe("10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...");
    const twoPorts: Endpoints = {
      subsets: [{ addresses: addresses("10.0.0.1", "10.0.0.2"), ports: [{ port: 80 }, { port: 443 }] }],
    };
    expect(formatEndpoints(twoPorts)).toBe("10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...");
  });

  it("lists bare IPs for a subset without ports, brackets IPv6 hosts, ignores not-ready addresses", () => {
    expect(formatEndpoints({ subsets: [{ addresses: addresses("10.0.0.1") }] })).toBe("10.0.0.1");
    expect(formatEndpoints({ subsets: [{ addresses: addresses("fd00::1"), ports: [{ port: 8080 }] }] })).toBe(
      "[fd00::1]:8080",
    );
    expect(
      formatEndpoints({ subsets: [{ notReadyAddresses: addresses("10.0.0.9"), ports: [{ port: 80 }] }] }),
    ).toBe("");
  });
});

describe("endpoints printer", () => {
  it("prints name, endpoints and age", () => {
    const now = new Date("2024-05-01T12:00:00Z");
    const ep: Endpoints = {
      metadata: { name: "web", creationTimestamp: "2024-05-01T11:59:00Z" },
      subsets: [{ addresses: addresses("10.0.0.1"), ports: [{ port: 80 }] }],
    };
    expect(endpointsPrinter.columns.map((c) => c.name)).toEqual(["Name", "Endpoints", "Age"]);
    expect(endpointsPrinter.print(ep, now).cells).toEqual(["web", "10.0.0.1:80", "60s"]);
  });
});
