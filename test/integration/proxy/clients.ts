/** Host-side clients for proxy tests: TCP greetings, UDP echoes, kube-proxy metrics. */
import { createSocket } from "node:dgram";
import { connect, type Socket } from "node:net";

/** One TCP connection: the backend's greeting line ("<name> <client ip>"), or "error <code>". */
export function hello(ip: string, port: number, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    let data = "";
    const timer = setTimeout(() => socket.destroy(new Error("timeout")), timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      data += chunk.toString();
      const end = data.indexOf("\n");
      if (end >= 0) {
        clearTimeout(timer);
        socket.destroy();
        resolve(data.slice(0, end));
      }
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(`error ${err.code ?? err.message}`);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(`error closed before greeting`);
    });
  });
}

/** The backend name of a greeting ("b1 100.64.9.1" → "b1"). */
export const nameOf = (greeting: string): string => greeting.split(" ")[0] ?? "";

/** `count` connections, `concurrency` at a time; counts greetings by backend name ("error" for failures). */
export async function spread(
  ip: string,
  port: number,
  count: number,
  concurrency = 8,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      const name = nameOf(await hello(ip, port));
      counts[name] = (counts[name] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return counts;
}

/** One datagram from `socket` (a fresh one if not given); the reply or "timeout". */
export async function udpAsk(
  ip: string,
  port: number,
  message = "ping",
  socket?: ReturnType<typeof createSocket>,
): Promise<string> {
  const s = socket ?? createSocket("udp4");
  try {
    return await new Promise<string>((resolve) => {
      const timer = setTimeout(() => {
        s.off("message", onMessage);
        resolve("timeout");
      }, 2000);
      const onMessage = (msg: Buffer): void => {
        clearTimeout(timer);
        s.off("message", onMessage);
        resolve(msg.toString());
      };
      s.on("message", onMessage);
      s.send(message, port, ip);
    });
  } finally {
    if (!socket) s.close();
  }
}

/** An open TCP connection through which lines can be echoed. */
export interface EchoConnection {
  readonly greeting: string;
  echo(line: string): Promise<string>;
  close(): void;
}

export async function openEcho(ip: string, port: number): Promise<EchoConnection> {
  const socket: Socket = connect({ host: ip, port });
  let buffer = "";
  const waiters: (() => void)[] = [];
  socket.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    for (const w of waiters.splice(0)) w();
  });
  socket.on("error", () => undefined);
  const line = async (timeoutMs = 3000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = buffer.indexOf("\n");
      if (end >= 0) {
        const out = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        return out;
      }
      if (socket.destroyed || Date.now() > deadline) return "error closed";
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  const greeting = await line();
  return {
    greeting,
    echo: async (text) => {
      socket.write(`${text}\n`);
      return line();
    },
    close: () => socket.destroy(),
  };
}

/** The value of one sample in a Prometheus text page (exact name with labels). */
export function metric(page: string, sample: string): number {
  const line = page.split("\n").find((l) => l.startsWith(`${sample} `));
  return line === undefined ? NaN : Number(line.slice(sample.length + 1));
}

export async function metricsOf(healthUrl: string | undefined): Promise<string> {
  if (!healthUrl) throw new Error("the proxy logged no health URL");
  return (await fetch(`${healthUrl}/metrics`)).text();
}

/** Polls `check` every 50 ms until it returns true; throws after `timeoutMs`. */
export async function eventually(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
