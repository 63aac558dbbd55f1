import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ProxyState, ServicePortState } from "../model.js";
import { renderRuleset, tableNameFor, type RenderOptions } from "./render.js";

const OPTIONS: RenderOptions = {
  table: tableNameFor("node-1"),
  nodeName: "node-1",
  nodeIp: "127.0.1.1",
  clusterCidr: "100.64.0.0/16",
  bridgePrefix: "ktl",
};

function port(key: string, fields: Partial<ServicePortState>): ServicePortState {
  const [namespace = "", name = "", proto = "tcp", p = "80"] = key.split("/");
  return {
    key,
    namespace,
    name,
    portName: "",
    protocol: proto === "udp" ? "UDP" : "TCP",
    clusterIP: "100.96.0.10",
    port: Number(p),
    endpoints: [],
    ...fields,
  };
}

const STATE: ProxyState = {
  skipped: [],
  ports: [
    port("default/web/tcp/80", {
      nodePort: 30080,
      endpoints: [
        { ip: "100.64.1.2", port: 8080 },
        { ip: "100.64.1.3", port: 8080 },
        { ip: "100.64.2.2", port: 8080 },
      ],
    }),
    port("default/web/udp/53", { port: 53, endpoints: [{ ip: "100.64.1.2", port: 5353 }] }),
    port("kube-system/sticky/tcp/443", {
      clusterIP: "100.96.0.11",
      port: 443,
      affinitySeconds: 600,
      endpoints: [
        { ip: "100.64.1.4", port: 8443 },
        { ip: "127.0.1.1", port: 8443 },
      ],
    }),
    port("default/empty/tcp/81", { clusterIP: "100.96.0.12", port: 81, nodePort: 30081 }),
  ],
};

/** After the update, web lost an endpoint and sticky is gone. */
const UPDATED: ProxyState = {
  skipped: [],
  ports: [
    { ...STATE.ports[0]!, endpoints: STATE.ports[0]!.endpoints.slice(0, 2) },
    STATE.ports[1]!,
    STATE.ports[3]!,
  ],
};

function golden(name: string, text: string): void {
  const path = new URL(`./testdata/${name}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(path, text);
  expect(text).toBe(readFileSync(path, "utf8"));
}

/** Whether `nft --check` can run here: root and nft, in a throwaway network namespace. */
function nftCheck(script: string): string | undefined {
  if (process.getuid?.() !== 0) return "not root";
  try {
    execFileSync("unshare", ["--net", "nft", "--check", "-f", "-"], { input: script, stdio: "pipe" });
    return undefined;
  } catch (err) {
    const e = err as { stderr?: Buffer; code?: string };
    if (e.code === "ENOENT") return "no unshare or nft";
    throw new Error(e.stderr?.toString() ?? String(err));
  }
}

describe("renderRuleset", () => {
  it("renders a fresh table: maps, hooks, random DNAT, affinity chains, scoped masquerade (golden)", () => {
    const r = renderRuleset(STATE, OPTIONS);
    golden("fresh.nft", r.text);
    expect(r.text.startsWith("table ip ktl-proxy-node-1\ndelete table ip ktl-proxy-node-1\n")).toBe(true);
    expect([...r.chains].sort()).toEqual([
      "ep-kube-system/sticky/tcp/443__100.64.1.4/8443",
      "ep-kube-system/sticky/tcp/443__127.0.1.1/8443",
      "svc-default/web/tcp/80",
      "svc-default/web/udp/53",
      "svc-kube-system/sticky/tcp/443",
    ]);
    expect(r.sets.size).toBe(2);
    // 3 Service chains' rules (1 + 1 + 3) + 2 endpoint chains × 2 + 8 fixed.
    expect(r.rules).toBe(17);
    // The Service without endpoints gets no map element (its ClusterIP is refused in input).
    expect(r.text).not.toContain("svc-default/empty");
    expect(r.text).toContain("100.96.0.12");
    // Hairpin pairs only for pod endpoints, never loopback ones.
    expect(r.text).not.toContain("127.0.1.1 . 127.0.1.1");
    // Every masquerade is limited to destinations in the pod range.
    for (const line of r.text.split("\n").filter((l) => l.includes("masquerade"))) {
      expect(line).toMatch(/@hairpin|ip daddr 100\.64\.0\.0\/16/);
    }
  });

  it("updates in place: flushes maps, deletes vanished chains and sets, keeps live affinity sets (golden)", () => {
    const first = renderRuleset(STATE, OPTIONS);
    const r = renderRuleset(UPDATED, OPTIONS, first);
    golden("update.nft", r.text);
    expect(r.text).not.toContain("delete table");
    expect(r.text).toContain("delete chain ip ktl-proxy-node-1 svc-kube-system/sticky/tcp/443\n");
    expect(r.text).toContain(
      "delete set ip ktl-proxy-node-1 aff-600-kube-system/sticky/tcp/443__127.0.1.1/8443\n",
    );
    expect(r.text).toContain("dnat ip to numgen random mod 2 map");
  });

  it("is accepted by nft, fresh then updated, in one checked transaction", (ctx) => {
    const first = renderRuleset(STATE, OPTIONS);
    const second = renderRuleset(UPDATED, OPTIONS, first);
    const skip = nftCheck(first.text + second.text);
    if (skip) ctx.skip();
  });

  it("names the table after the node, within nft's identifier characters", () => {
    expect(tableNameFor("Node_1.example")).toBe("ktl-proxy-node-1.example");
  });
});
