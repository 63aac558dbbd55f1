/**
 * The userspace UDP proxy: each client address (ip:port) seen on a listener
 * gets a session with its own socket connected to one endpoint; replies on
 * that socket go back to the client from the listener's address (the
 * ClusterIP or node IP the client sent to). A session keeps its endpoint
 * while packets flow within the idle timeout, and ends early when the
 * endpoint leaves the Service or refuses (ICMP port unreachable), so the
 * client's next datagram goes to another endpoint.
 */
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import type { ProxyMetrics } from "../metrics.js";
import type { RoundRobinBalancer } from "./balancer.js";
import { SessionTable } from "./session-table.js";

export interface UdpSession {
  readonly upstream: Socket;
  readonly endpoint: string;
  /** The Service port key. */
  readonly target: string;
  /** Datagrams waiting for the upstream socket's connect; undefined once connected. */
  pending: Buffer[] | undefined;
}

/** At most this many datagrams wait for a session's upstream connect. */
const MAX_PENDING = 64;

export class UdpProxy {
  readonly sessions: SessionTable<UdpSession>;

  constructor(
    private readonly balancer: RoundRobinBalancer,
    private readonly metrics: ProxyMetrics,
    timeoutMs: number,
  ) {
    this.sessions = new SessionTable<UdpSession>(timeoutMs, (session) => {
      try {
        session.upstream.close();
      } catch {
        // Already closed after an error.
      }
      this.metrics.udpSessions = this.sessions.size;
    });
  }

  /**
   * Handles one datagram that arrived on `listener` (identified by
   * `listenerKey`) for Service port `target`.
   */
  handle(listener: Socket, listenerKey: string, target: string, msg: Buffer, from: RemoteInfo): void {
    const key = `${listenerKey}|${from.address}:${from.port}`;
    let session = this.sessions.use(key);
    if (session && session.target !== target) {
      this.sessions.remove(key);
      session = undefined;
    }
    if (!session) {
      session = this.open(listener, key, target, from);
      if (!session) {
        this.metrics.noEndpoint++;
        return;
      }
    }
    this.metrics.bytes.UDP.to_endpoint += msg.length;
    if (session.pending) {
      if (session.pending.length < MAX_PENDING) session.pending.push(msg);
      return;
    }
    session.upstream.send(msg);
  }

  /** Ends sessions whose endpoint is no longer one of their Service port's endpoints. */
  dropStale(): number {
    return this.sessions.removeWhere((s) => !this.balancer.endpoints(s.target).includes(s.endpoint));
  }

  private open(listener: Socket, key: string, target: string, from: RemoteInfo): UdpSession | undefined {
    const endpoint = this.balancer.next(target, from.address);
    if (endpoint === undefined) return undefined;
    const i = endpoint.lastIndexOf(":");
    const upstream = createSocket("udp4");
    const session: UdpSession = { upstream, endpoint, target, pending: [] };
    upstream.on("message", (reply) => {
      if (this.sessions.use(key) !== session) return;
      this.metrics.bytes.UDP.to_client += reply.length;
      listener.send(reply, from.port, from.address);
    });
    upstream.on("error", () => {
      // ECONNREFUSED: the endpoint has nothing on that port; the next datagram picks again.
      this.metrics.dialFailures++;
      if (this.sessions.use(key) === session) this.sessions.remove(key);
    });
    upstream.connect(Number(endpoint.slice(i + 1)), endpoint.slice(0, i), () => {
      const pending = session.pending ?? [];
      session.pending = undefined;
      for (const msg of pending) upstream.send(msg);
    });
    this.sessions.add(key, session);
    this.metrics.connections.UDP++;
    this.metrics.udpSessions = this.sessions.size;
    return session;
  }
}
