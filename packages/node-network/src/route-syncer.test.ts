import { describe, expect, it } from "vitest";
import type { RoutableNode } from "./pod-routes.js";
import { PodRouteSyncer } from "./route-syncer.js";
import { netnsRunner, type RunResult, type Runner } from "./run.js";

/** A fake `ip` over an in-memory main table; records every command. */
class FakeIp {
  readonly calls: string[] = [];
  routes: { dst: string; gateway?: string; dev?: string; proto: string }[] = [];
  addresses = ["192.0.2.11", "127.0.0.1"];
  /** Replacements whose via is here fail like a gateway that is not on-link. */
  offLink = new Set<string>();

  readonly runner: Runner = (command, args) => {
    const line = [command, ...args].join(" ");
    this.calls.push(line);
    return Promise.resolve(this.answer(args));
  };

  private answer(args: readonly string[]): RunResult {
    const ok = (stdout = ""): RunResult => ({ code: 0, stdout, stderr: "" });
    const at = (word: string): string | undefined => args[args.indexOf(word) + 1];
    const a = args.join(" ");
    if (a === "-j -4 addr show") {
      return ok(JSON.stringify([{ addr_info: this.addresses.map((local) => ({ local })) }]));
    }
    if (a.startsWith("-j -4 route show table main root 100.64.0.0/16")) {
      const proto = args.includes("proto") ? at("proto") : undefined;
      const listed = this.routes.filter((r) => proto === undefined || r.proto === proto);
      return ok(JSON.stringify(listed.map(({ proto: _p, ...r }) => r)));
    }
    if (a.startsWith("-4 route del ")) {
      const before = this.routes.length;
      this.routes = this.routes.filter((r) => !(r.dst === args[3] && r.proto === at("proto")));
      return before === this.routes.length ? { code: 2, stdout: "", stderr: "No such process" } : ok();
    }
    if (a.startsWith("-4 route replace ")) {
      const via = at("via") ?? "";
      if (this.offLink.has(via)) return { code: 2, stdout: "", stderr: "Nexthop has invalid gateway." };
      this.routes = this.routes.filter((r) => r.dst !== args[3]);
      const dev = args.includes("dev") ? at("dev") : "eth0";
      this.routes.push({ dst: args[3] ?? "", gateway: via, dev, proto: at("proto") ?? "boot" });
      return ok();
    }
    return { code: 1, stdout: "", stderr: `fake ip: unexpected ${a}` };
  }
}

function node(name: string, podCIDR: string, internalIp: string): RoutableNode {
  return {
    metadata: { name },
    spec: { podCIDR },
    status: { addresses: [{ type: "InternalIP", address: internalIp }] },
  };
}

const cluster = [
  node("m1", "100.64.1.0/24", "192.0.2.11"),
  node("m2", "100.64.2.0/24", "192.0.2.12"),
  node("m3", "100.64.3.0/24", "192.0.2.13"),
];

describe("PodRouteSyncer", () => {
  it("installs the remote nodes' routes with its proto, then does nothing while nothing changes", async () => {
    const ip = new FakeIp();
    const syncer = new PodRouteSyncer({ nodeName: "m1", nodeInterface: "eth0", runner: ip.runner });
    const first = await syncer.sync(cluster);
    expect(first.replaced.map((r) => r.cidr)).toEqual(["100.64.2.0/24", "100.64.3.0/24"]);
    expect(first.problems).toEqual([]);
    expect(ip.calls).toContain(
      "ip -4 route replace 100.64.2.0/24 via 192.0.2.12 dev eth0 table main proto 107",
    );
    ip.calls.length = 0;
    const second = await syncer.sync(cluster);
    expect(second).toEqual({ replaced: [], removed: [], problems: [], failed: [] });
    expect(ip.calls.every((c) => c.startsWith("ip -j "))).toBe(true); // reads only
  });

  it("removes a deleted node's route, and only its own routes", async () => {
    const ip = new FakeIp();
    ip.routes.push(
      { dst: "100.64.0.0/16", proto: "boot" },
      { dst: "100.64.9.0/24", gateway: "192.0.2.19", proto: "static" },
    );
    const syncer = new PodRouteSyncer({ nodeName: "m1", runner: ip.runner });
    await syncer.sync(cluster);
    const result = await syncer.sync(cluster.slice(0, 2));
    expect(result.removed).toEqual(["100.64.3.0/24"]);
    expect(ip.calls).toContain("ip -4 route del 100.64.3.0/24 table main proto 107");
    expect(ip.routes.map((r) => r.dst).sort()).toEqual(["100.64.0.0/16", "100.64.2.0/24", "100.64.9.0/24"]);
    expect(await syncer.removeAll()).toEqual(["100.64.2.0/24"]);
    expect(ip.routes.map((r) => r.dst).sort()).toEqual(["100.64.0.0/16", "100.64.9.0/24"]);
  });

  it("follows a node whose address changed", async () => {
    const ip = new FakeIp();
    const syncer = new PodRouteSyncer({ nodeName: "m1", runner: ip.runner });
    await syncer.sync(cluster);
    const moved = [...cluster.slice(0, 2), node("m3", "100.64.3.0/24", "192.0.2.33")];
    expect((await syncer.sync(moved)).replaced).toEqual([
      { cidr: "100.64.3.0/24", via: "192.0.2.33", node: "m3" },
    ]);
    expect(ip.routes.find((r) => r.dst === "100.64.3.0/24")?.gateway).toBe("192.0.2.33");
  });

  it("never replaces a route it does not own, and reports what it could not do", async () => {
    const ip = new FakeIp();
    ip.routes.push({ dst: "100.64.2.0/24", gateway: "192.0.2.50", proto: "boot" }); // an admin's manual route
    ip.offLink.add("192.0.2.13");
    const syncer = new PodRouteSyncer({ nodeName: "m1", runner: ip.runner });
    const result = await syncer.sync(cluster);
    expect(result.replaced).toEqual([]);
    expect(result.problems).toEqual([
      "node m2: a route to 100.64.2.0/24 that ktl does not own exists; not replacing it",
    ]);
    expect(result.failed).toEqual([
      "node m3: route 100.64.3.0/24 via 192.0.2.13: Nexthop has invalid gateway.",
    ]);
    expect(ip.routes).toEqual([{ dst: "100.64.2.0/24", gateway: "192.0.2.50", proto: "boot" }]);
  });

  it("rejects when the routing table cannot be read", async () => {
    const failing: Runner = () => Promise.resolve({ code: 1, stdout: "", stderr: "Cannot open netns" });
    await expect(new PodRouteSyncer({ nodeName: "m1", runner: failing }).sync(cluster)).rejects.toThrow(
      /Cannot open netns/,
    );
  });
});

describe("netnsRunner", () => {
  it("uses ip -n for ip and ip netns exec for everything else", async () => {
    const seen: string[] = [];
    const base: Runner = (command, args) => {
      seen.push([command, ...args].join(" "));
      return Promise.resolve({ code: 0, stdout: "", stderr: "" });
    };
    const runner = netnsRunner("m1", base);
    await runner("ip", ["route", "show"]);
    await runner("nft", ["-f", "-"], "table inet x");
    expect(seen).toEqual(["ip -n m1 route show", "ip netns exec m1 nft -f -"]);
  });
});
