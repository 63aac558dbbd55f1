/**
 * The logs/exec relay over NATS (run after `pnpm build`):
 *
 *   tsx test/perf/relay/bench.ts [--mib 64] [--requests 500]
 *
 * Against a real nats-server, a "kubelet" side serving the relay and an
 * "apiserver" side opening it, each on its own NATS connection, compared in
 * the same run with the direct path the relay replaces (HTTP from the
 * apiserver to the kubelet on loopback, a new connection per request as the
 * apiserver's fallback makes):
 *  1. streaming throughput (a `logs` of --mib MiB in 64 KiB chunks), MiB/s;
 *  2. request latency for a small answer (an `exec` printing 100 bytes),
 *     sequential, p50/p99.
 * Bounded: fixed sizes and counts, everything on loopback, torn down at the end.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { Bus, openRelay, RELAY_CHUNK_BYTES, serveRelay } from "@ktl/nats";
import { jsonLogger } from "@ktl/service";
import { startNats, until } from "@ktl/testing";
import { fmt, row, summarize } from "../lib.js";

const { values } = parseArgs({
  options: { mib: { type: "string", default: "64" }, requests: { type: "string", default: "500" } },
});
const MIB = Number(values.mib);
const REQUESTS = Number(values.requests);
const RUNS = 3;
const SUBJECT = "node.bench.relay";
const CHUNK = Buffer.alloc(RELAY_CHUNK_BYTES, "x");
const SMALL = Buffer.alloc(100, "y");
const log = jsonLogger("relay-bench");

/** What either side is asked for: `bytes` of output. */
interface Ask {
  readonly bytes: number;
}

async function produce(bytes: number, write: (chunk: Buffer) => Promise<void> | undefined): Promise<void> {
  for (let left = bytes; left > 0; left -= CHUNK.length) {
    await write(left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left));
  }
}

function startHttp(): Promise<Server> {
  const server = createServer((req, res) => {
    const bytes = Number(new URL(req.url ?? "/", "http://x").searchParams.get("bytes"));
    res.writeHead(200, { "content-type": "application/octet-stream" });
    if (bytes === SMALL.length) return res.end(SMALL);
    void produce(bytes, (chunk) =>
      res.write(chunk) ? undefined : new Promise<void>((r) => res.once("drain", () => r())),
    ).then(() => res.end());
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function httpGet(port: number, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: `/?bytes=${bytes}`, agent: false }, (res) => {
      let got = 0;
      res.on("data", (chunk: Buffer) => (got += chunk.length));
      res.on("end", () => resolve(got));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

async function relayGet(bus: Bus, bytes: number): Promise<number> {
  const stream = await openRelay(bus, SUBJECT, { bytes } satisfies Ask);
  let got = 0;
  for await (const chunk of stream) got += chunk.data.length;
  return got;
}

async function mibPerSecond(fetch: (bytes: number) => Promise<number>): Promise<number> {
  const bytes = MIB * 1024 * 1024;
  let best = 0;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const got = await fetch(bytes);
    if (got !== bytes) throw new Error(`got ${got} of ${bytes} bytes`);
    best = Math.max(best, MIB / ((performance.now() - started) / 1000));
  }
  return best;
}

async function latencies(fetch: (bytes: number) => Promise<number>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    await fetch(SMALL.length);
    samples.push(performance.now() - started);
  }
  return samples;
}

async function main(): Promise<void> {
  const nats = await startNats();
  const kubelet = Bus.connect({ servers: nats.url, name: "bench kubelet", log });
  const apiserver = Bus.connect({ servers: nats.url, name: "bench apiserver", log });
  const http = await startHttp();
  const port = (http.address() as AddressInfo).port;
  try {
    await until("both NATS connections", () => kubelet.connected && apiserver.connected, 10_000);
    const unsubscribe = serveRelay(
      kubelet,
      SUBJECT,
      async (body, responder) => {
        const { bytes } = body as Ask;
        responder.accept();
        if (bytes === SMALL.length) return responder.write(SMALL);
        await produce(bytes, (chunk) => responder.write(chunk));
      },
      { log, errorPayload: (err) => ({ message: String(err) }) },
    );
    // The subscription must be live before the first request.
    await until("the relay responder", () => relayGet(apiserver, 1).then((n) => n === 1), 10_000);

    console.log(
      `\nlogs/exec relay over NATS vs direct HTTP on loopback (${MIB} MiB streams, best of ${RUNS})`,
    );
    const relayMiB = await mibPerSecond((b) => relayGet(apiserver, b));
    const httpMiB = await mibPerSecond((b) => httpGet(port, b));
    row("stream: relay over NATS", `${fmt(relayMiB)} MiB/s`);
    row("stream: direct HTTP (reference)", `${fmt(httpMiB)} MiB/s`);
    row("stream: ratio relay / direct", fmt(relayMiB / httpMiB, 2));

    const relayLat = summarize(await latencies((b) => relayGet(apiserver, b)));
    const httpLat = summarize(await latencies((b) => httpGet(port, b)));
    console.log(`\nsmall answers (${SMALL.length} bytes), ${REQUESTS} sequential requests`);
    row("request: relay over NATS p50 / p99", `${fmt(relayLat.p50, 2)} / ${fmt(relayLat.p99, 2)} ms`);
    row(
      "request: direct HTTP, new connection p50 / p99",
      `${fmt(httpLat.p50, 2)} / ${fmt(httpLat.p99, 2)} ms`,
    );
    row("request: ratio relay / direct (p50)", fmt(relayLat.p50 / httpLat.p50, 2));
    unsubscribe();
  } finally {
    await new Promise((r) => http.close(r));
    await kubelet.close();
    await apiserver.close();
    await nats.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
