/**
 * The behaviour both proxy modes share, against a real apiserver, a real
 * kube-proxy process and real backends in network namespaces. Services and
 * Endpoints are written through the REST API.
 */
import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubeProxy, type ServiceProcess } from "@ktl/testing";
import { addressLabel, tableNameFor } from "../../../services/kube-proxy/src/index.js";
import { useApiserver, type TestCluster } from "../cluster.js";
import { eventually, hello, metric, metricsOf, nameOf, openEcho, spread, udpAsk } from "./clients.js";
import { removeLoAddresses, removeProxyLeftovers } from "@ktl/node-network";
import { ProxyTestNet, sh, type Backend } from "./net.js";

export type Mode = "userspace" | "nftables";

export interface SuiteContext {
  readonly mode: Mode;
  readonly cluster: TestCluster;
  readonly net: ProxyTestNet;
  readonly backends: Backend[];
  readonly nodeName: string;
  readonly nodeIp: string;
  /** The running proxy (tests may replace it). */
  proxy: ServiceProcess | undefined;
  /** The `web` Service: ClusterIP, TCP 80 → 8080 and UDP 53 → 5353, NodePorts. */
  readonly web: { clusterIP: string; nodePort: number; udpNodePort: number };
  setEndpoints(name: string, ready: Backend[], notReady?: Backend[], extraReadyIps?: string[]): Promise<void>;
  createService(name: string, clusterIP: string, spec?: Record<string, unknown>): Promise<void>;
  /** Waits until the proxy's ready endpoints gauge is `n` (all Service ports together). */
  waitForEndpoints(n: number): Promise<void>;
  /** What the API holds: distinct ClusterIPs and Service ports (with the apiserver's own `kubernetes`). */
  served(): Promise<{ clusterIPs: number; ports: number; nodePorts: number }>;
}

const NS = "default";

/**
 * Registers the shared tests for `mode`, then `extra` (mode-specific tests
 * using the same cluster, network and proxy), then the clean-up test.
 */
export function proxySuite(
  mode: Mode,
  proxyArgs: readonly string[],
  extra: (ctx: SuiteContext) => void,
): void {
  const cluster = useApiserver();
  const net = new ProxyTestNet();
  const nodeName = `px-${mode}-${net.id}`;
  const nodeIp = `127.0.1.${randomInt(100, 250)}`;
  const ports = [randomInt(30000, 31000), randomInt(31000, 32000)] as const;
  const ctx: SuiteContext = {
    mode,
    cluster,
    net,
    backends: [],
    nodeName,
    nodeIp,
    proxy: undefined,
    get web() {
      return { clusterIP: net.serviceIp(10), nodePort: ports[0], udpNodePort: ports[1] };
    },
    async setEndpoints(name, ready, notReady = [], extraReadyIps = []) {
      const body = {
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: { name, namespace: NS },
        subsets: [
          {
            addresses: [...ready.map((b) => ({ ip: b.ip })), ...extraReadyIps.map((ip) => ({ ip }))],
            notReadyAddresses: notReady.map((b) => ({ ip: b.ip })),
            ports: [
              { name: "tcp", port: 8080, protocol: "TCP" },
              { name: "udp", port: 5353, protocol: "UDP" },
            ],
          },
        ],
      };
      const path = `/api/v1/namespaces/${NS}/endpoints/${name}`;
      const current = await cluster.api.get(path);
      const reply =
        current.status === 404
          ? await cluster.api.post(`/api/v1/namespaces/${NS}/endpoints`, body)
          : await cluster.api.put(path, {
              ...body,
              metadata: { ...body.metadata, resourceVersion: current.body.metadata.resourceVersion },
            });
      expect(reply.status, JSON.stringify(reply.body)).toBeLessThan(300);
    },
    async createService(name, clusterIP, spec = {}) {
      const reply = await cluster.api.post(`/api/v1/namespaces/${NS}/services`, {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, namespace: NS },
        spec: {
          clusterIP,
          ports: [
            { name: "tcp", port: 80, targetPort: 8080, protocol: "TCP" },
            { name: "udp", port: 53, targetPort: 5353, protocol: "UDP" },
          ],
          ...spec,
        },
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    },
    async served() {
      const list = await cluster.api.get("/api/v1/services");
      const items = (list.body.items ?? []) as { spec?: Record<string, any> }[];
      const withIP = items.filter((s) => /^100\.96\./.test(s.spec?.clusterIP ?? ""));
      const ports = withIP.flatMap((s) => (s.spec?.ports ?? []) as { nodePort?: number }[]);
      return {
        clusterIPs: new Set(withIP.map((s) => s.spec?.clusterIP)).size,
        ports: ports.length,
        nodePorts: withIP.filter((s) => s.spec?.type === "NodePort").flatMap((s) => s.spec?.ports ?? [])
          .length,
      };
    },
    async waitForEndpoints(n) {
      await eventually(
        async () => metric(await metricsOf(ctx.proxy?.healthUrl), "kubeproxy_ready_endpoints") === n,
        5000,
        `ready endpoints = ${n}`,
      );
    },
  };

  beforeAll(async () => {
    // ClusterIPs a dead proxy left on lo (killed, never cleaned) would be
    // counted as someone else's; live proxies re-add theirs within a second.
    await removeLoAddresses((label) => label.startsWith("lo:kp"));
    await net.setup();
    ctx.backends.push(await net.backend("b1", 11), await net.backend("b2", 12), await net.backend("b3", 13));
    await ctx.createService("web", ctx.web.clusterIP, {
      type: "NodePort",
      ports: [
        { name: "tcp", port: 80, targetPort: 8080, protocol: "TCP", nodePort: ctx.web.nodePort },
        { name: "udp", port: 53, targetPort: 5353, protocol: "UDP", nodePort: ctx.web.udpNodePort },
      ],
    });
    await ctx.setEndpoints("web", ctx.backends);
    ctx.proxy = await startKubeProxy({
      apiserver: cluster.apiserver.grpcAddress,
      nodeName,
      nodeIp,
      mode,
      args: proxyArgs,
    });
    await ctx.waitForEndpoints(6);
  });

  afterAll(async () => {
    await ctx.proxy?.stop();
    await removeProxyLeftovers(nodeName);
    await net.teardown();
  });

  describe(`kube-proxy (${mode})`, () => {
    const all = (): Backend[] => ctx.backends;
    const backend = (i: number) => (): Backend => {
      const b = ctx.backends[i];
      if (!b) throw new Error(`no backend ${i}`);
      return b;
    };
    const [b1, b2, b3] = [backend(0), backend(1), backend(2)];

    it("spreads 300 connections to the ClusterIP over the 3 ready endpoints in near-equal shares", async () => {
      const counts = await spread(ctx.web.clusterIP, 80, 300);
      expect(Object.keys(counts).sort()).toEqual(["b1", "b2", "b3"]);
      // Random spread (nftables): 100 ± 35 is beyond 4 standard deviations.
      for (const b of all()) expect(counts[b.name]).toBeGreaterThanOrEqual(65);
      if (mode === "userspace") expect(counts).toEqual({ b1: 100, b2: 100, b3: 100 });
    });

    it("spreads 300 connections to the NodePort on the node IP the same way", async () => {
      const counts = await spread(nodeIp, ctx.web.nodePort, 300);
      expect(Object.keys(counts).sort()).toEqual(["b1", "b2", "b3"]);
      for (const b of all()) expect(counts[b.name]).toBeGreaterThanOrEqual(65);
      if (mode === "userspace") expect(counts).toEqual({ b1: 100, b2: 100, b3: 100 });
    });

    it("answers UDP through the ClusterIP and the NodePort", async () => {
      const replies = await Promise.all(Array.from({ length: 30 }, () => udpAsk(ctx.web.clusterIP, 53)));
      expect(new Set(replies.map(nameOf))).toEqual(new Set(["b1", "b2", "b3"]));
      for (const r of replies) expect(r).toMatch(/^b\d ping$/);
      expect(await udpAsk(nodeIp, ctx.web.udpNodePort, "hello")).toMatch(/^b\d hello$/);
    });

    it("reaches the Service from a pod, and a pod reaches itself through it (hairpin)", async () => {
      const client = await net.pod("client", 20);
      const fromPod = await net.inPod(client.netns, "hello", ctx.web.clusterIP, 80, 30);
      expect(new Set(fromPod.map(nameOf))).toEqual(new Set(["b1", "b2", "b3"]));
      const udp = await net.inPod(client.netns, "udp", ctx.web.clusterIP, 53, 6);
      for (const r of udp) expect(r).toMatch(/^b\d ping$/);
      // From b1's own namespace: every connection succeeds, some land on b1 itself.
      const self = await net.inPod(b1().netns, "hello", ctx.web.clusterIP, 80, 30);
      expect(self.filter((g) => g.startsWith("error"))).toEqual([]);
      const own = self.filter((g) => nameOf(g) === "b1");
      expect(own.length).toBeGreaterThan(0);
      // b1 saw its own connections come from the bridge (masqueraded or proxied), never from itself.
      for (const g of own) expect(g).toBe(`b1 ${net.gateway}`);
    });

    it("gives a notReady endpoint no traffic", async () => {
      await ctx.setEndpoints("web", [b1(), b2()], [b3()]);
      await ctx.waitForEndpoints(4);
      const counts = await spread(ctx.web.clusterIP, 80, 90);
      expect(counts.b3).toBeUndefined();
      expect((counts.b1 ?? 0) + (counts.b2 ?? 0)).toBe(90);
      await ctx.setEndpoints("web", all());
      await ctx.waitForEndpoints(6);
    });

    it("keeps an established TCP connection across an endpoints update that removes its endpoint", async () => {
      const conn = await openEcho(ctx.web.clusterIP, 80);
      try {
        const mine = ctx.backends.find((b) => b.name === nameOf(conn.greeting));
        expect(mine).toBeDefined();
        expect(await conn.echo("before")).toBe("before");
        await ctx.setEndpoints(
          "web",
          all().filter((b) => b !== mine),
        );
        await ctx.waitForEndpoints(4);
        // New connections avoid it, the old one still talks to it.
        const counts = await spread(ctx.web.clusterIP, 80, 20);
        expect(counts[mine!.name]).toBeUndefined();
        expect(await conn.echo("after")).toBe("after");
      } finally {
        conn.close();
        await ctx.setEndpoints("web", all());
        await ctx.waitForEndpoints(6);
      }
    });

    it("sends all new connections to the survivor within 2 s when 2 of 3 endpoints are removed", async () => {
      await ctx.setEndpoints("web", [b2()]);
      const changed = Date.now();
      let lastOther = changed;
      let streak = 0;
      while (streak < 40 && Date.now() - changed < 5000) {
        const name = nameOf(await hello(ctx.web.clusterIP, 80));
        if (name === "b2") streak++;
        else {
          streak = 0;
          lastOther = Date.now();
        }
      }
      expect(streak).toBe(40);
      console.log(
        `${mode}: last connection to a removed endpoint ${lastOther - changed} ms after the update`,
      );
      expect(lastOther - changed).toBeLessThan(2000);
      await ctx.setEndpoints("web", all());
      await ctx.waitForEndpoints(6);
    });

    it("loses no new connection while endpoints change under traffic", async () => {
      let flips = 0;
      let stop = false;
      const flipper = (async () => {
        while (flips < 10) {
          await ctx.setEndpoints("web", flips % 2 === 0 ? [b1(), b2()] : all());
          flips++;
          await new Promise((r) => setTimeout(r, 100));
        }
        stop = true;
      })();
      const counts: Record<string, number> = {};
      try {
        while (!stop) {
          for (const [name, n] of Object.entries(await spread(ctx.web.clusterIP, 80, 16, 8))) {
            counts[name] = (counts[name] ?? 0) + n;
          }
        }
        await flipper;
      } finally {
        stop = true;
        await flipper.catch(() => undefined);
        await ctx.setEndpoints("web", all());
        await ctx.waitForEndpoints(6);
      }
      expect(counts.error).toBeUndefined();
      expect((counts.b1 ?? 0) + (counts.b2 ?? 0)).toBeGreaterThan(100);
      expect(counts.b3).toBeGreaterThan(0);
    });

    it("sticks a client to one endpoint with sessionAffinity ClientIP", async () => {
      const ip = net.serviceIp(11);
      await ctx.createService("sticky", ip, {
        sessionAffinity: "ClientIP",
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      });
      await ctx.setEndpoints("sticky", all());
      await ctx.waitForEndpoints(12);
      const counts = await spread(ip, 80, 30, 1);
      expect(Object.values(counts)).toEqual([30]);
      expect(counts.error).toBeUndefined();
    });

    it("serves /healthz and /metrics with sync latency and endpoint changes", async () => {
      const res = await fetch(`${ctx.proxy!.healthUrl}/healthz`);
      expect(res.status).toBe(200);
      const page = await metricsOf(ctx.proxy!.healthUrl);
      expect(metric(page, "kubeproxy_sync_proxy_rules_duration_seconds_count")).toBeGreaterThan(0);
      expect(metric(page, "kubeproxy_network_programming_duration_seconds_count")).toBeGreaterThan(0);
      expect(metric(page, "kubeproxy_sync_proxy_rules_endpoint_changes_total")).toBeGreaterThan(5);
      // web, sticky and the apiserver's own `kubernetes` Service.
      const served = await ctx.served();
      expect(served.clusterIPs).toBe(3);
      expect(metric(page, "kubeproxy_cluster_ip_addresses")).toBe(served.clusterIPs);
      expect(metric(page, "kubeproxy_service_ports")).toBe(served.ports);
      if (mode === "userspace") {
        expect(metric(page, 'kubeproxy_userspace_connections_total{protocol="TCP"}')).toBeGreaterThan(1000);
        expect(
          metric(page, 'kubeproxy_userspace_bytes_total{protocol="TCP",direction="to_client"}'),
        ).toBeGreaterThan(0);
        // One listener per Service port on its ClusterIP, one per NodePort.
        expect(metric(page, 'kubeproxy_userspace_listeners{state="bound"}')).toBe(
          served.ports + served.nodePorts,
        );
      } else {
        expect(metric(page, "kubeproxy_sync_proxy_rules_nftables_rules")).toBeGreaterThan(8);
      }
    });

    extra(ctx);

    it("removes its listeners or table and its ClusterIP addresses when stopped", async () => {
      await ctx.proxy?.stop();
      ctx.proxy = undefined;
      const lo = await sh("ip", "-4", "addr", "show", "dev", "lo");
      expect(lo).not.toContain(addressLabel(nodeName));
      expect(lo).not.toContain(ctx.web.clusterIP + "/32");
      const tables = await sh("nft", "list", "tables");
      expect(tables).not.toContain(tableNameFor(nodeName));
      expect(await hello(ctx.web.clusterIP, 80, 1000)).toMatch(/^error/);
      expect(await hello(nodeIp, ctx.web.nodePort, 1000)).toMatch(/^error/);
    });
  });
}
