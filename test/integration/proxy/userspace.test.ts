/**
 * kube-proxy in userspace mode: Node.js listeners on ClusterIPs (/32 on lo)
 * and on the node IP's NodePorts, round-robin to endpoints in pod namespaces.
 */
import { createSocket } from "node:dgram";
import { expect, it } from "vitest";
import { startKubeProxy } from "@ktl/testing";
import { eventually, hello, metric, metricsOf, nameOf, spread, udpAsk } from "./clients.js";
import { removeProxyLeftovers } from "@ktl/node-network";
import { proxySuite } from "./suite.js";

const UDP_TIMEOUT_S = 2;

proxySuite("userspace", ["--udp-timeout-seconds", String(UDP_TIMEOUT_S), "--dial-timeout", "300"], (ctx) => {
  it("skips endpoints that refuse or do not answer, and counts the failures", async () => {
    const [b1, b2, b3] = ctx.backends;
    await b3!.stop();
    try {
      // b3 refuses (nothing listens); 100.64.X.99 has no host at all (dial timeout).
      await ctx.setEndpoints("web", [b1!, b2!, b3!], [], [`100.64.${ctx.net.octet}.99`]);
      await ctx.waitForEndpoints(8 + 6); // web's TCP and UDP ports, and sticky's 3 × 2
      const before = metric(
        await metricsOf(ctx.proxy?.healthUrl),
        "kubeproxy_userspace_endpoint_dial_failures_total",
      );
      const counts = await spread(ctx.web.clusterIP, 80, 24, 4);
      expect(counts.error).toBeUndefined();
      expect((counts.b1 ?? 0) + (counts.b2 ?? 0)).toBe(24);
      const after = metric(
        await metricsOf(ctx.proxy?.healthUrl),
        "kubeproxy_userspace_endpoint_dial_failures_total",
      );
      expect(after - before).toBeGreaterThanOrEqual(8);
    } finally {
      await b3!.start();
      await ctx.setEndpoints("web", ctx.backends);
      await ctx.waitForEndpoints(12);
    }
  });

  it("keeps a UDP client on one endpoint for the session, and ends idle sessions after the timeout", async () => {
    const socket = createSocket("udp4");
    try {
      const replies: string[] = [];
      for (let i = 0; i < 6; i++) replies.push(await udpAsk(ctx.web.clusterIP, 53, `m${i}`, socket));
      expect(new Set(replies.map(nameOf)).size).toBe(1);
      expect(replies[5]).toMatch(/ m5$/);
      expect(
        metric(await metricsOf(ctx.proxy?.healthUrl), "kubeproxy_userspace_udp_sessions"),
      ).toBeGreaterThan(0);
      await eventually(
        async () => metric(await metricsOf(ctx.proxy?.healthUrl), "kubeproxy_userspace_udp_sessions") === 0,
        UDP_TIMEOUT_S * 1000 + 2000,
        "idle UDP sessions expire",
      );
      // The same client address starts a new session, which still works.
      expect(await udpAsk(ctx.web.clusterIP, 53, "again", socket)).toMatch(/ again$/);
    } finally {
      socket.close();
    }
  });

  it("lets a second proxy on the machine take over the ClusterIP listeners within ~1 s of the first stopping", async () => {
    const second = await startKubeProxy({
      apiserver: ctx.cluster.apiserver.grpcAddress,
      nodeName: `${ctx.nodeName}-2`,
      nodeIp: `127.0.1.${Number(ctx.nodeIp.split(".")[3]) + 1}`,
      args: ["--udp-timeout-seconds", String(UDP_TIMEOUT_S)],
    });
    try {
      // Its NodePort listeners are its own; the ClusterIP ones and their addresses are the first proxy's.
      const served = await ctx.served();
      const page = await metricsOf(second.healthUrl);
      expect(metric(page, 'kubeproxy_userspace_listeners{state="waiting"}')).toBe(served.ports);
      expect(metric(page, 'kubeproxy_userspace_listeners{state="bound"}')).toBe(served.nodePorts);
      expect(metric(page, "kubeproxy_cluster_ip_addresses")).toBe(0);
      await ctx.proxy?.stop();
      const stopped = Date.now();
      await eventually(
        async () => nameOf(await hello(ctx.web.clusterIP, 80, 500)).startsWith("b"),
        3000,
        "takeover",
      );
      const tookMs = Date.now() - stopped;
      console.log(`userspace: ClusterIP listeners taken over ${tookMs} ms after the owner stopped`);
      expect(tookMs).toBeLessThan(1500);
      const after = await metricsOf(second.healthUrl);
      expect(metric(after, 'kubeproxy_userspace_listeners{state="waiting"}')).toBe(0);
      expect(metric(after, "kubeproxy_cluster_ip_addresses")).toBe(served.clusterIPs);
      const counts = await spread(ctx.web.clusterIP, 80, 30);
      expect(counts.error).toBeUndefined();
      // The suite's last test checks the clean-up of the proxy in ctx.proxy.
      ctx.proxy = second;
    } catch (err) {
      await second.stop();
      await removeProxyLeftovers(`${ctx.nodeName}-2`);
      throw err;
    }
  });
});
