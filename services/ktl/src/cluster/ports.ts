/** Whether a loopback port is free, so that `up` can say which one is taken before starting anything. */
import { createServer } from "node:net";

/** Whether binding host:port fails with EADDRINUSE (other errors, e.g. no such address, count as free). */
export function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "EADDRINUSE"));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(false)));
  });
}
