import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface HealthServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Prometheus text for /metrics. */
  readonly metrics: () => string | Promise<string>;
  /** Whether /readyz answers 200; a reason string when not ready. */
  readonly ready?: () => true | string;
}

/** /healthz, /livez, /readyz and /metrics for a service that has no other HTTP server. */
export async function startHealthServer(
  options: HealthServerOptions,
): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const text = (code: number, body: string, type = "text/plain"): void => {
      res.writeHead(code, { "content-type": type });
      res.end(body);
    };
    if (path === "/healthz" || path === "/livez") return text(200, "ok");
    if (path === "/readyz") {
      const ready = options.ready?.() ?? true;
      return ready === true ? text(200, "ok") : text(503, `not ready: ${ready}`);
    }
    if (path === "/metrics") {
      Promise.resolve(options.metrics()).then(
        (body) => text(200, body, "text/plain; version=0.0.4"),
        (err: unknown) => text(500, String(err)),
      );
      return;
    }
    text(404, "not found");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  return { port: (server.address() as AddressInfo).port, server };
}
