/**
 * One proxied TCP connection: pick an endpoint, dial it (skipping endpoints
 * that refuse or time out), then copy bytes both ways until both sides are
 * done. Half-closes pass through, so request/response protocols that end
 * their request with FIN work.
 */
import { connect, type Socket } from "node:net";
import type { ProxyMetrics } from "../metrics.js";
import type { RoundRobinBalancer } from "./balancer.js";

export interface TcpProxyDeps {
  readonly balancer: RoundRobinBalancer;
  readonly metrics: ProxyMetrics;
  readonly dialTimeoutMs: number;
}

/** "::ffff:1.2.3.4" → "1.2.3.4". */
export function clientIpOf(socket: { remoteAddress?: string | undefined }): string {
  const ip = socket.remoteAddress ?? "";
  return ip.startsWith("::ffff:") ? ip.slice(7) : ip;
}

function splitEndpoint(endpoint: string): { host: string; port: number } {
  const i = endpoint.lastIndexOf(":");
  return { host: endpoint.slice(0, i), port: Number(endpoint.slice(i + 1)) };
}

/** Takes over an accepted (paused) client connection for Service port `target`. */
export function proxyTcp(client: Socket, target: string, deps: TcpProxyDeps): void {
  const { balancer, metrics } = deps;
  metrics.connections.TCP++;
  metrics.activeTcp++;
  let upstream: Socket | undefined;
  let connected = false;
  let clientClosed = false;
  let upstreamClosed = true; // nothing dialed yet
  let upstreamBytes = 0;
  let accounted = false;
  const account = (): void => {
    if (accounted || !clientClosed || !upstreamClosed) return;
    accounted = true;
    metrics.activeTcp--;
    metrics.bytes.TCP.to_endpoint += client.bytesRead;
    metrics.bytes.TCP.to_client += upstreamBytes;
  };
  client.setNoDelay(true);
  client.on("error", () => upstream?.destroy());
  client.on("close", (hadError) => {
    clientClosed = true;
    if (hadError || !connected) upstream?.destroy();
    account();
  });

  const clientIp = clientIpOf(client);
  const tried = new Set<string>();
  const dial = (): void => {
    if (clientClosed) return;
    const endpoint = balancer.next(target, clientIp, tried);
    if (endpoint === undefined) {
      if (tried.size === 0) metrics.noEndpoint++;
      // A reset tells the client at once that nobody serves this port.
      client.resetAndDestroy();
      return;
    }
    const socket = connect({ ...splitEndpoint(endpoint), allowHalfOpen: true, noDelay: true });
    upstream = socket;
    upstreamClosed = false;
    const timer = setTimeout(() => socket.destroy(new Error("dial timeout")), deps.dialTimeoutMs);
    // Errors are handled on "close", which always follows.
    socket.on("error", () => undefined);
    socket.once("connect", () => {
      clearTimeout(timer);
      connected = true;
      if (clientClosed) {
        socket.destroy();
        return;
      }
      client.pipe(socket);
      socket.pipe(client);
    });
    socket.once("close", (hadError) => {
      clearTimeout(timer);
      upstreamClosed = true;
      if (!connected) {
        // Refused, unreachable or timed out: try the next endpoint.
        if (!clientClosed) {
          metrics.dialFailures++;
          tried.add(endpoint);
          dial();
        }
      } else {
        upstreamBytes = socket.bytesRead;
        if (hadError) client.destroy();
      }
      account();
    });
  };
  dial();
}
