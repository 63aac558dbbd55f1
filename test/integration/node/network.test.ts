/**
 * The host safety net for pod networking, for real: routes, the nftables
 * guard and forwarding, with pod-like network namespaces on ktl bridges and an
 * "outside" namespace standing in for the real network. Nothing here can
 * reach the machine's real interface: every address used is routed into a
 * namespace this test creates (checked before any packet is sent).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GUARD_TABLE, ensureHostSafety, hostSafetyInstalled, removeHostSafety } from "@ktl/node-network";
import { NetCleanup, cleanupAll, ipForward, pings, sh } from "./net-helpers.js";

const RANGES = { podCidr: "100.64.0.0/16", serviceCidr: "100.96.0.0/16" };
const id = randomBytes(3).toString("hex");
const cleanup = new NetCleanup();
let hadGuard = false;
let forwardBefore = "";

async function unreachableRoutes(): Promise<string[]> {
  return (await sh("ip", "-4", "route", "show", "type", "unreachable"))
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

/** A netns with one veth into `bridge` (or none), address and default route. */
async function podNetns(name: string, bridge: string, address: string, gateway: string): Promise<string> {
  const ns = cleanup.netns(`ktl-nt-${id}-${name}`);
  await sh("ip", "netns", "add", ns);
  const hostEnd = cleanup.link(`kp${id}${name}`);
  await sh("ip", "link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", ns);
  await sh("ip", "link", "set", hostEnd, "master", bridge, "up");
  await sh("ip", "-n", ns, "link", "set", "lo", "up");
  await sh("ip", "-n", ns, "link", "set", "eth0", "up");
  await sh("ip", "-n", ns, "addr", "add", address, "dev", "eth0");
  await sh("ip", "-n", ns, "route", "add", "default", "via", gateway);
  return ns;
}

async function bridge(name: string, address: string): Promise<string> {
  const br = cleanup.link(`ktl${id}${name}`);
  await sh("ip", "link", "add", br, "type", "bridge");
  await sh("ip", "addr", "add", address, "dev", br);
  await sh("ip", "link", "set", br, "up");
  return br;
}

describe("host safety", () => {
  beforeAll(async () => {
    hadGuard = await hostSafetyInstalled();
    forwardBefore = await ipForward();
    await ensureHostSafety(RANGES);
    // Idempotent: a second node on the machine calls it again.
    await ensureHostSafety(RANGES);
  });

  afterAll(async () => {
    await cleanupAll(
      () => cleanup.run(),
      () => (hadGuard ? Promise.resolve() : removeHostSafety(RANGES)),
    );
  });

  it("installs unreachable routes for the whole pod and service ranges, once each", async () => {
    const routes = await unreachableRoutes();
    expect(routes.filter((r) => r.startsWith("unreachable 100.64.0.0/16"))).toHaveLength(1);
    expect(routes.filter((r) => r.startsWith("unreachable 100.96.0.0/16"))).toHaveLength(1);
  });

  it("answers 'unreachable' for pod and service addresses that no bridge serves", async () => {
    await expect(sh("ip", "route", "get", "100.64.200.5")).rejects.toThrow(/No route to host|unreachable/);
    await expect(sh("ip", "route", "get", "100.96.0.10")).rejects.toThrow(/No route to host|unreachable/);
  });

  it("has the guard table and enables forwarding only with it", async () => {
    const table = await sh("nft", "list", "table", "inet", GUARD_TABLE);
    expect(table).toContain("hook forward");
    expect(table).toMatch(
      /ip saddr 100\.64\.0\.0\/16 ip daddr != \{ 100\.64\.0\.0\/16, 100\.96\.0\.0\/16 \}/,
    );
    expect(table).toContain(`ktl: ip_forward was ${hadGuard ? "" : forwardBefore}`);
    expect(await ipForward()).toBe("1");
  });

  it("forwards between pod bridges, but never from pods to elsewhere or from elsewhere to pods", async () => {
    const br1 = await bridge("a", "100.64.202.1/24");
    const br2 = await bridge("b", "100.64.203.1/24");
    const pod1 = await podNetns("1", br1, "100.64.202.2/24", "100.64.202.1");
    const pod2 = await podNetns("2", br2, "100.64.203.2/24", "100.64.203.1");
    // "outside": a non-ktl interface with a network behind it, like the real one.
    const outside = cleanup.netns(`ktl-nt-${id}-out`);
    await sh("ip", "netns", "add", outside);
    const outLink = cleanup.link(`kx${id}`);
    await sh("ip", "link", "add", outLink, "type", "veth", "peer", "name", "eth0", "netns", outside);
    await sh("ip", "addr", "add", "198.18.0.1/30", "dev", outLink);
    await sh("ip", "link", "set", outLink, "up");
    await sh("ip", "-n", outside, "link", "set", "eth0", "up");
    await sh("ip", "-n", outside, "addr", "add", "198.18.0.2/30", "dev", "eth0");
    await sh("ip", "-n", outside, "route", "add", "100.64.0.0/16", "via", "198.18.0.1");

    // The node's /24 on its bridge is more specific than the unreachable /16.
    expect(await sh("ip", "route", "get", "100.64.202.5")).toContain(`dev ${br1}`);
    // Without the guard, pod1's packets to 198.18.0.2 would go into our own
    // namespace, not out of the machine: check before sending any.
    const route = await sh("ip", "route", "get", "198.18.0.2", "from", "100.64.202.2", "iif", br1);
    expect(route).toContain(`dev ${outLink}`);
    // The topology works where no forwarding is involved.
    expect(await pings(outside, "198.18.0.1")).toBe(true);
    expect(await pings(pod1, "100.64.202.1")).toBe(true);

    expect(await pings(pod1, "100.64.203.2")).toBe(true);
    expect(await pings(pod2, "100.64.202.2")).toBe(true);
    expect(await pings(pod1, "198.18.0.2")).toBe(false);
    expect(await pings(outside, "100.64.202.2")).toBe(false);
    // It was the guard that dropped them.
    const rules = await sh("nft", "list", "chain", "inet", GUARD_TABLE, "forward");
    const dropped = [...rules.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
    expect(dropped.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2);
  });

  it("removeHostSafety restores forwarding and removes the table and routes", async () => {
    if (hadGuard) return; // someone else's guard: leave it alone
    await removeHostSafety(RANGES);
    await removeHostSafety(RANGES); // nothing left to remove is fine
    expect(await hostSafetyInstalled()).toBe(false);
    expect(await ipForward()).toBe(forwardBefore);
    const routes = await unreachableRoutes();
    expect(routes.some((r) => r.startsWith("unreachable 100.64.0.0/16"))).toBe(false);
    expect(routes.some((r) => r.startsWith("unreachable 100.96.0.0/16"))).toBe(false);
  });
});
