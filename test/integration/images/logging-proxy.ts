import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface LoggingProxy {
  /** "127.0.0.1:PORT" */
  readonly address: string;
  /** Every request passed through, in order. */
  readonly requests: LoggedRequest[];
  close(): Promise<void>;
}

/**
 * A pass-through HTTP proxy in front of a real registry that records what a
 * client asked for, to see which blobs a push uploads. The Host header goes
 * through unchanged, so the registry's absolute upload URLs point back here.
 */
export async function startLoggingProxy(target: string): Promise<LoggingProxy> {
  const [host, port] = target.split(":");
  const requests: LoggedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const upstream = request(
      { host, port: Number(port), method: req.method, path: req.url, headers: req.headers },
      (up) => {
        requests.push({
          method: req.method ?? "",
          path: (req.url ?? "").split("?")[0] ?? "",
          status: up.statusCode ?? 0,
        });
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: listening } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${listening}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
