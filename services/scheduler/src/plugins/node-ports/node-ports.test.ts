import { describe, expect, it } from "vitest";
import { Code } from "../../framework/interface.js";
import { makeNode, makeNodeInfo, makePod } from "../testing.js";
import { create, hostPortKey, NAME } from "./index.js";

const REASON = "node(s) didn't have free ports for the requested pod ports";

describe(NAME, () => {
  const plugin = create();
  const withUsed = (...keys: string[]) => ({ ...makeNodeInfo(makeNode("n")), usedPorts: new Set(keys) });

  it("passes pods without host ports", () => {
    expect(plugin.filter(new Map(), makePod("p"), withUsed("TCP/0.0.0.0/80")).code).toBe(Code.Success);
  });

  it("rejects a port already bound on all addresses", () => {
    const pod = makePod("p", { hostPorts: [{ hostPort: 80 }] });
    expect(plugin.filter(new Map(), pod, withUsed("TCP/0.0.0.0/80"))).toEqual({
      code: Code.Unschedulable,
      reasons: [REASON],
    });
  });

  it("treats protocol and port as distinct", () => {
    const pod = makePod("p", { hostPorts: [{ hostPort: 80 }] });
    expect(plugin.filter(new Map(), pod, withUsed("UDP/0.0.0.0/80", "TCP/0.0.0.0/81")).code).toBe(
      Code.Success,
    );
  });

  it("checks host IPs: specific vs specific, specific vs wildcard", () => {
    const specific = makePod("p", { hostPorts: [{ hostPort: 80, hostIP: "10.0.0.1" }] });
    const wildcard = makePod("p", { hostPorts: [{ hostPort: 80 }] });
    expect(plugin.filter(new Map(), specific, withUsed("TCP/10.0.0.2/80")).code).toBe(Code.Success);
    expect(plugin.filter(new Map(), specific, withUsed("TCP/10.0.0.1/80")).code).toBe(Code.Unschedulable);
    expect(plugin.filter(new Map(), specific, withUsed("TCP/0.0.0.0/80")).code).toBe(Code.Unschedulable);
    expect(plugin.filter(new Map(), wildcard, withUsed("TCP/10.0.0.2/80")).code).toBe(Code.Unschedulable);
  });

  it("accepts un-sanitised keys from the cache", () => {
    const pod = makePod("p", { hostPorts: [{ hostPort: 80, protocol: "TCP" }] });
    expect(plugin.filter(new Map(), pod, withUsed("//80")).code).toBe(Code.Unschedulable);
  });

  it("sees ports used by pods on the node", () => {
    const existing = makePod("a", { hostPorts: [{ hostPort: 8080, protocol: "UDP" }] });
    const node = makeNodeInfo(makeNode("n"), [existing]);
    const pod = makePod("p", { hostPorts: [{ hostPort: 8080, protocol: "UDP" }] });
    expect(plugin.filter(new Map(), pod, node).code).toBe(Code.Unschedulable);
  });

  it("builds sanitised keys", () => {
    expect(hostPortKey({ protocol: "", hostIP: "", port: 80 })).toBe("TCP/0.0.0.0/80");
    expect(hostPortKey({ protocol: "UDP", hostIP: "::1", port: 53 })).toBe("UDP/::1/53");
  });
});
