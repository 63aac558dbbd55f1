/**
 * The userspace data path: Node.js listeners on every ClusterIP:port (the
 * ClusterIPs are /32 addresses on `lo`, see addresses.ts, so both the host
 * and pods — whose packets reach the node through their bridge gateway —
 * connect to them) and on every NodePort of the node IP, proxying to ready
 * endpoints round-robin (balancer.ts).
 */
import type { Logger } from "@ktl/service";
import type { ProxyMetrics } from "../metrics.js";
import type { ProxyState } from "../model.js";
import type { Proxier } from "../proxier.js";
import { RoundRobinBalancer } from "./balancer.js";
import { ListenerSet, type ListenerSpec } from "./listeners.js";
import { proxyTcp } from "./tcp.js";
import { UdpProxy } from "./udp.js";

export interface UserspaceProxierOptions {
  readonly nodeIp: string;
  readonly log: Logger;
  readonly metrics: ProxyMetrics;
  readonly dialTimeoutMs: number;
  readonly udpTimeoutMs: number;
}

export class UserspaceProxier implements Proxier {
  readonly balancer = new RoundRobinBalancer();
  private readonly udp: UdpProxy;
  private readonly listeners: ListenerSet;
  private ticks = 0;
  /** Service port keys the balancer knows. */
  private knownKeys = new Set<string>();

  constructor(private readonly options: UserspaceProxierOptions) {
    const { metrics } = options;
    this.udp = new UdpProxy(this.balancer, metrics, options.udpTimeoutMs);
    this.listeners = new ListenerSet(
      {
        tcp: (socket, target) =>
          proxyTcp(socket, target, {
            balancer: this.balancer,
            metrics,
            dialTimeoutMs: options.dialTimeoutMs,
          }),
        udp: (listener, key, target, msg, from) => this.udp.handle(listener, key, target, msg, from),
      },
      options.log,
    );
  }

  async sync(state: ProxyState): Promise<void> {
    const keys = new Set<string>();
    const specs: ListenerSpec[] = [];
    for (const p of state.ports) {
      keys.add(p.key);
      this.balancer.update(
        p.key,
        p.endpoints.map((e) => `${e.ip}:${e.port}`),
        p.affinitySeconds,
      );
      specs.push({ protocol: p.protocol, ip: p.clusterIP, port: p.port, target: p.key });
      if (p.nodePort !== undefined) {
        specs.push({ protocol: p.protocol, ip: this.options.nodeIp, port: p.nodePort, target: p.key });
      }
    }
    for (const key of this.knownKeys) if (!keys.has(key)) this.balancer.remove(key);
    this.knownKeys = keys;
    this.udp.dropStale();
    await this.listeners.apply(specs);
    this.updateGauges();
  }

  async housekeeping(): Promise<void> {
    this.udp.sessions.sweep();
    if (++this.ticks % 40 === 0) this.balancer.sweep();
    await this.listeners.retry();
    this.updateGauges();
  }

  async stop(): Promise<void> {
    this.listeners.closeAll();
    this.udp.sessions.clear();
    this.updateGauges();
    await Promise.resolve();
  }

  private updateGauges(): void {
    const { bound, waiting } = this.listeners.counts();
    this.options.metrics.listenersBound = bound;
    this.options.metrics.listenersWaiting = waiting;
    this.options.metrics.udpSessions = this.udp.sessions.size;
  }
}
