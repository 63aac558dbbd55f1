/**
 * kube-proxy in nftables mode: one table of DNAT rules per proxy, endpoints
 * in pod namespaces behind a ktl bridge.
 */
import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import { tableNameFor } from "../../../services/kube-proxy/src/index.js";
import { eventually, metric, metricsOf, spread } from "./clients.js";
import { sh } from "./net.js";
import { proxySuite } from "./suite.js";

proxySuite("nftables", [], (ctx) => {
  it("programs one table: ClusterIP and NodePort maps, random DNAT, masquerade only toward pods", async () => {
    const table = await sh("nft", "list", "table", "ip", tableNameFor(ctx.nodeName));
    expect(table).toContain(`${ctx.web.clusterIP} . tcp . 80 : goto svc-default/web/tcp/80`);
    expect(table).toContain(`tcp . ${ctx.web.nodePort} : goto svc-default/web/tcp/80`);
    expect(table).toContain(`ip daddr ${ctx.nodeIp} meta l4proto . th dport vmap @service-nodeports`);
    expect(table).toMatch(/dnat ip to numgen random mod 3 map/);
    const masquerades = table.split("\n").filter((l) => l.includes("masquerade"));
    expect(masquerades).toHaveLength(2);
    for (const line of masquerades)
      expect(line).toMatch(/ip saddr \. ip daddr @hairpin|ip daddr 100\.64\.0\.0\/16/);
  });

  it("turns route_localnet on for ktl bridges only", async () => {
    const bridge = (
      await readFile(`/proc/sys/net/ipv4/conf/${ctx.net.bridge}/route_localnet`, "utf8")
    ).trim();
    expect(bridge).toBe("1");
    for (const scope of ["all", "default", "lo"]) {
      expect((await readFile(`/proc/sys/net/ipv4/conf/${scope}/route_localnet`, "utf8")).trim()).toBe("0");
    }
  });

  it("refuses connections to a ClusterIP port without endpoints at once", async () => {
    await ctx.createService("empty", ctx.net.serviceIp(12));
    await eventually(
      async () => metric(await metricsOf(ctx.proxy?.healthUrl), "kubeproxy_cluster_ip_addresses") === 4,
      5000,
      "the empty Service's ClusterIP on lo",
    );
    const started = Date.now();
    const counts = await spread(ctx.net.serviceIp(12), 80, 3, 1);
    expect(counts).toEqual({ error: 3 });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
