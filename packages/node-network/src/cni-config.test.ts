import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { bridgeNameFor, renderCniConfig, writeCniConfig } from "./cni-config.js";
import { cidrContains, parseCidr } from "./cidr.js";
import { guardRuleset } from "./host-safety.js";

describe("bridgeNameFor", () => {
  it("is short, starts with ktl and differs per node", () => {
    const names = ["node-1", "node-2", "a-very-long-node-name-that-goes-on-and-on"].map(bridgeNameFor);
    for (const n of names) expect(n).toMatch(/^ktl[0-9a-f]{8}$/);
    expect(new Set(names).size).toBe(3);
    expect(bridgeNameFor("node-1")).toBe(bridgeNameFor("node-1"));
  });
});

describe("renderCniConfig", () => {
  it("is a bridge without masquerade, host-local over the node's CIDR, and portmap without SNAT", () => {
    const { conflist, bridgeName, gateway } = renderCniConfig({
      confDir: "/tmp/n1/cni/net.d",
      nodeName: "node-1",
      podCidr: "100.64.7.0/24",
    });
    expect(gateway).toBe("100.64.7.1");
    const c = conflist as { cniVersion: string; name: string; plugins: Record<string, any>[] };
    expect(c.cniVersion).toBe("1.0.0");
    expect(c.name).toBe("ktl-node-1");
    const [bridge, portmap] = c.plugins;
    expect(bridge).toMatchObject({
      type: "bridge",
      bridge: bridgeName,
      isGateway: true,
      ipMasq: false,
      hairpinMode: true,
    });
    expect(bridge!.ipam).toEqual({
      type: "host-local",
      ranges: [[{ subnet: "100.64.7.0/24", gateway: "100.64.7.1" }]],
      routes: [{ dst: "0.0.0.0/0" }],
      dataDir: "/tmp/n1/cni/ipam",
    });
    expect(portmap).toEqual({ type: "portmap", capabilities: { portMappings: true }, snat: false });
  });

  it("refuses bad CIDRs and bridge names", () => {
    const base = { confDir: "/x", nodeName: "n" };
    expect(() => renderCniConfig({ ...base, podCidr: "100.64.7.1/24" })).toThrow(/host bits/);
    expect(() => renderCniConfig({ ...base, podCidr: "100.64.7.0" })).toThrow(/CIDR/);
    expect(() => renderCniConfig({ ...base, podCidr: "100.64.7.0/24", bridgeName: "cni0" })).toThrow(/ktl/);
    expect(() =>
      renderCniConfig({ ...base, podCidr: "100.64.7.0/24", bridgeName: "ktl-much-too-long" }),
    ).toThrow(/15/);
  });
});

describe("writeCniConfig", () => {
  let dir = "";
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("leaves exactly one .conflist in the directory", async () => {
    dir = await mkdtemp(join(tmpdir(), "ktl-cni-"));
    const confDir = join(dir, "net.d");
    await writeCniConfig({ confDir, nodeName: "n", podCidr: "100.64.1.0/24" });
    await writeFile(join(confDir, "99-other.conf"), "{}");
    const cni = await writeCniConfig({ confDir, nodeName: "n", podCidr: "100.64.2.0/24" });
    expect(await readdir(confDir)).toEqual(["10-ktl.conflist"]);
    const written = JSON.parse(await readFile(cni.path, "utf8"));
    expect(written.plugins[0].ipam.ranges[0][0].subnet).toBe("100.64.2.0/24");
  });
});

describe("cidr", () => {
  it("parses and tests membership", () => {
    const c = parseCidr("100.64.0.0/16");
    expect(c.text).toBe("100.64.0.0/16");
    expect(cidrContains(c, "100.64.250.3")).toBe(true);
    expect(cidrContains(c, "100.65.0.1")).toBe(false);
    expect(() => parseCidr("300.1.1.0/24")).toThrow();
  });
});

describe("guardRuleset", () => {
  it("replaces the table atomically and drops pod traffic that would leave the ranges", () => {
    const text = guardRuleset({ podCidr: "100.64.0.0/16", serviceCidr: "100.96.0.0/16", ipForwardWas: "0" });
    expect(text.startsWith("table inet ktl-guard\ndelete table inet ktl-guard\n")).toBe(true);
    expect(text).toContain('comment "ktl: ip_forward was 0"');
    expect(text).toContain("type filter hook forward priority filter - 10; policy accept;");
    expect(text).toContain(
      "ip saddr 100.64.0.0/16 ip daddr != { 100.64.0.0/16, 100.96.0.0/16 } counter drop",
    );
    expect(text).toContain('iifname "ktl*" oifname != "ktl*" counter drop');
    expect(text).toContain('iifname != "ktl*" ip daddr 100.64.0.0/16 counter drop');
  });
});
