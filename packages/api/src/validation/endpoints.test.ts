import { describe, it, expect } from "vitest";
import { fieldErrorMessage } from "@ktl/apimachinery";
import type { EndpointSubset, Endpoints } from "../gen/types.js";
import { applyDefaults } from "../defaults/index.js";
import { validateCreate, validateUpdate } from "./index.js";

function endpoints(...subsets: EndpointSubset[]): Endpoints {
  const ep: Endpoints = { metadata: { name: "web", namespace: "default" }, subsets };
  applyDefaults("Endpoints", ep);
  return ep;
}

const messages = (ep: unknown): string[] => validateCreate("Endpoints", ep).map(fieldErrorMessage);

describe("Endpoints", () => {
  it("accepts pod addresses and ports", () => {
    expect(
      messages(endpoints({ addresses: [{ ip: "10.244.1.5", nodeName: "node-1" }], ports: [{ port: 8080 }] })),
    ).toEqual([]);
    expect(messages(endpoints())).toEqual([]);
  });

  it("requires addresses in every subset", () => {
    expect(messages(endpoints({ ports: [{ port: 80 }] }))).toEqual([
      "subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`",
    ]);
  });

  it("requires valid, routable IPs", () => {
    expect(messages(endpoints({ addresses: [{ ip: "10.244.1" }] }))).toEqual([
      'subsets[0].addresses[0].ip: Invalid value: "10.244.1": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]);
    expect(messages(endpoints({ notReadyAddresses: [{ ip: "169.254.1.1" }] }))).toEqual([
      'subsets[0].notReadyAddresses[0].ip: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
    ]);
    expect(messages(endpoints({ addresses: [{ ip: "0.0.0.0" }] }))).toEqual([
      'subsets[0].addresses[0].ip: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
    ]);
  });

  it("checks ports", () => {
    const addresses = [{ ip: "10.0.0.1" }];
    expect(messages(endpoints({ addresses, ports: [{ port: 0 }] }))).toEqual([
      "subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
    ]);
    expect(messages(endpoints({ addresses, ports: [{ name: "a", port: 80 }, { port: 81 }] }))).toEqual([
      "subsets[0].ports[1].name: Required value",
    ]);
    expect(messages(endpoints({ addresses, ports: [{ port: 80, protocol: "QUIC" }] }))).toEqual([
      'subsets[0].ports[0].protocol: Unsupported value: "QUIC": supported values: "SCTP", "TCP", "UDP"',
    ]);
  });

  it("validates updates like creates", () => {
    const old = endpoints({ addresses: [{ ip: "10.0.0.1" }] });
    expect(validateUpdate("Endpoints", endpoints({ addresses: [{ ip: "10.0.0.2" }] }), old)).toEqual([]);
    expect(validateUpdate("Endpoints", endpoints({ addresses: [{ ip: "x" }] }), old)).toHaveLength(1);
  });
});
