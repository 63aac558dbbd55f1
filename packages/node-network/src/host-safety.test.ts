import { describe, expect, it } from "vitest";
import { ensureHostSafety, guardRuleset, removeHostSafety } from "./host-safety.js";
import type { Runner } from "./run.js";

const RANGES = { podCidr: "100.64.0.0/16", serviceCidr: "100.96.0.0/16", ipForwardWas: "0" };

describe("guardRuleset with a node interface", () => {
  it("accepts pod-to-pod traffic between the pod bridges and that interface only", () => {
    const text = guardRuleset({ ...RANGES, nodeInterface: "eth0" });
    const accepts = text.split("\n").filter((l) => l.includes(" accept "));
    expect(accepts.map((l) => l.trim().replace(/ comment .*/, ""))).toEqual([
      'iifname "ktl*" oifname "eth0" ip saddr 100.64.0.0/16 ip daddr 100.64.0.0/16 counter accept',
      'iifname "eth0" oifname "ktl*" ip saddr 100.64.0.0/16 ip daddr 100.64.0.0/16 counter accept',
    ]);
    // After the range checks (pods still reach nothing outside), before the interface drops.
    expect(text.indexOf('oifname "eth0"')).toBeGreaterThan(text.indexOf("pods reach only pods and services"));
    expect(text.indexOf('oifname "eth0"')).toBeLessThan(
      text.indexOf("pod bridges forward only to pod bridges"),
    );
    expect(text).not.toMatch(/masquerade|snat|dnat/);
  });

  it("is unchanged without one, and refuses odd interface names", () => {
    expect(guardRuleset(RANGES)).not.toContain("accept ");
    for (const bad of ['eth0" accept', "ktl1234", "a-name-far-too-long", ""]) {
      expect(() => guardRuleset({ ...RANGES, nodeInterface: bad })).toThrow(/node interface/);
    }
  });
});

describe("ensureHostSafety through a runner", () => {
  it("does everything, ip_forward included, through the runner", async () => {
    const calls: string[] = [];
    const runner: Runner = (command, args, input) => {
      calls.push([command, ...args, ...(input === "1" || input === "0" ? [`<${input}`] : [])].join(" "));
      const stdout = command === "cat" ? "0\n" : "";
      const missingTable = command === "nft" && args[0] === "list";
      return Promise.resolve({ code: missingTable ? 1 : 0, stdout, stderr: "" });
    };
    await ensureHostSafety({ runner, nodeInterface: "eth0" });
    expect(calls).toEqual([
      "ip -4 route show exact 100.64.0.0/16 table main",
      "ip -4 route replace unreachable 100.64.0.0/16",
      "ip -4 route show exact 100.96.0.0/16 table main",
      "ip -4 route replace unreachable 100.96.0.0/16",
      "nft list table inet ktl-guard",
      "cat /proc/sys/net/ipv4/ip_forward",
      "nft -f -",
      "tee /proc/sys/net/ipv4/ip_forward <1",
    ]);
    calls.length = 0;
    await removeHostSafety({ runner }); // no table: ip_forward left alone
    expect(calls.some((c) => c.startsWith("tee"))).toBe(false);
  });
});
