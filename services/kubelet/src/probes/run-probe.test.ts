import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { createServer as createTcpServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Container } from "@ktl/api";
import { CriError, CriCode, type ExecSyncRequest } from "@ktl/cri";
import { PROBE_USER_AGENT } from "./http-probe.js";
import { probeRunner, resolvePort } from "./run-probe.js";

let server: Server;
let port: number;
let seen: { url: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    const url = new URL(req.url ?? "/", "http://x");
    const status = Number(url.searchParams.get("status") ?? "200");
    if (url.pathname === "/slow") return void setTimeout(() => res.end("late"), 2000);
    if (url.pathname === "/loop") return void res.writeHead(302, { location: "/loop" }).end();
    if (url.pathname === "/hop") return void res.writeHead(301, { location: "/ok?status=200" }).end();
    if (url.pathname === "/away") {
      return void res.writeHead(302, { location: "http://127.0.0.2:1/x" }).end("moved");
    }
    if (url.pathname === "/big") return void res.end("x".repeat(50_000));
    res.writeHead(status).end(`status ${status}`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const noExec = { execSync: () => Promise.reject(new Error("no exec here")) };
const run = probeRunner(noExec);
const container: Container = { name: "web", ports: [{ name: "http", containerPort: 0 }] };
const target = (timeoutMs = 1000) => ({ container, containerId: "c1", podIp: "127.0.0.1", timeoutMs });

describe("httpGet probes", () => {
  it("succeeds for 2xx with the body as output, fails with Kubernetes' message otherwise", async () => {
    expect(await run({ httpGet: { port, path: "/ok" } }, target())).toEqual({
      result: "success",
      output: "status 200",
    });
    expect(await run({ httpGet: { port, path: "/x?status=399" } }, target())).toMatchObject({
      result: "success",
    });
    expect(await run({ httpGet: { port, path: "/x?status=500" } }, target())).toEqual({
      result: "failure",
      output: "HTTP probe failed with statuscode: 500",
    });
    expect(await run({ httpGet: { port, path: "/x?status=404" } }, target())).toMatchObject({
      result: "failure",
    });
  });

  it("sends kube-probe's User-Agent, Accept */*, and the probe's headers (Host included)", async () => {
    seen = [];
    await run(
      {
        httpGet: {
          port,
          path: "healthz",
          httpHeaders: [
            { name: "X-Custom", value: "a" },
            { name: "Host", value: "example.test" },
          ],
        },
      },
      target(),
    );
    expect(seen[0]?.url).toBe("/healthz");
    expect(seen[0]?.headers["user-agent"]).toBe(PROBE_USER_AGENT);
    expect(seen[0]?.headers.accept).toBe("*/*");
    expect(seen[0]?.headers["x-custom"]).toBe("a");
    expect(seen[0]?.headers.host).toBe("example.test");
    seen = [];
    await run(
      {
        httpGet: {
          port,
          path: "/",
          httpHeaders: [
            { name: "Accept", value: "" },
            { name: "User-Agent", value: "me" },
          ],
        },
      },
      target(),
    );
    expect(seen[0]?.headers.accept).toBeUndefined();
    expect(seen[0]?.headers["user-agent"]).toBe("me");
  });

  it("resolves a named container port and defaults the host to the pod IP", async () => {
    const named: Container = { name: "web", ports: [{ name: "http", containerPort: port }] };
    const outcome = await run(
      { httpGet: { port: "http", path: "/ok" } },
      { container: named, containerId: "c1", podIp: "127.0.0.1", timeoutMs: 1000 },
    );
    expect(outcome.result).toBe("success");
    expect(await run({ httpGet: { port: "metrics" } }, target())).toEqual({
      result: "error",
      output: "couldn't find port: metrics in container web",
    });
    expect(await run({ httpGet: { port } }, { ...target(), podIp: undefined })).toMatchObject({
      result: "error",
    });
  });

  it("follows same-host redirects, stops after 10, and takes a redirect elsewhere as success", async () => {
    seen = [];
    expect(await run({ httpGet: { port, path: "/hop" } }, target())).toEqual({
      result: "success",
      output: "status 200",
    });
    expect(seen.map((s) => s.url)).toEqual(["/hop", "/ok?status=200"]);
    seen = [];
    const loop = await run({ httpGet: { port, path: "/loop" } }, target());
    expect(loop.result).toBe("failure");
    expect(loop.output).toContain("stopped after 10 redirects");
    expect(seen).toHaveLength(10);
    expect(await run({ httpGet: { port, path: "/away" } }, target())).toEqual({
      result: "success",
      output: "Probe terminated redirects, Response body: moved",
    });
  });

  it("fails on timeout and on a refused connection", async () => {
    const started = Date.now();
    const slow = await run({ httpGet: { port, path: "/slow" } }, target(200));
    expect(slow.result).toBe("failure");
    expect(slow.output).toContain("Client.Timeout exceeded");
    expect(Date.now() - started).toBeLessThan(1500);
    const closed = await freeClosedPort();
    const refused = await run({ httpGet: { port: closed } }, target());
    expect(refused.result).toBe("failure");
    expect(refused.output).toContain("ECONNREFUSED");
  });

  it("keeps at most 10 KiB of a large body", async () => {
    const outcome = await run({ httpGet: { port, path: "/big" } }, target());
    expect(outcome.result).toBe("success");
    expect(outcome.output.length).toBe(10 * 1024);
  });
});

describe("tcpSocket probes", () => {
  it("succeeds when a connection opens, fails when refused", async () => {
    const tcp = createTcpServer((s) => s.destroy());
    await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
    const tcpPort = (tcp.address() as AddressInfo).port;
    try {
      expect(await run({ tcpSocket: { port: tcpPort } }, target())).toEqual({
        result: "success",
        output: "",
      });
    } finally {
      await new Promise((r) => tcp.close(r));
    }
    const refused = await run({ tcpSocket: { port: tcpPort } }, target());
    expect(refused.result).toBe("failure");
    expect(refused.output).toContain(`dial tcp 127.0.0.1:${tcpPort}`);
  });
});

describe("exec probes", () => {
  it("exit 0 succeeds, other codes fail with the output; timeouts fail; other errors are thrown away", async () => {
    const calls: ExecSyncRequest[] = [];
    const runtime = {
      execSync: (req: ExecSyncRequest) => {
        calls.push(req);
        const cmd = req.cmd?.[0];
        if (cmd === "ok")
          return Promise.resolve({ exitCode: 0, stdout: Buffer.from("fine\n"), stderr: Buffer.alloc(0) });
        if (cmd === "bad")
          return Promise.resolve({ exitCode: 1, stdout: Buffer.alloc(0), stderr: Buffer.from("nope\n") });
        if (cmd === "slow") {
          return Promise.reject(
            new CriError({ code: CriCode.DEADLINE_EXCEEDED, message: "timeout", method: "ExecSync" }),
          );
        }
        return Promise.reject(
          new CriError({ code: CriCode.NOT_FOUND, message: "no such container", method: "ExecSync" }),
        );
      },
    };
    const exec = probeRunner(runtime);
    expect(await exec({ exec: { command: ["ok"] } }, target(3000))).toEqual({
      result: "success",
      output: "fine\n",
    });
    expect(calls[0]).toEqual({ containerId: "c1", cmd: ["ok"], timeout: 3 });
    expect(await exec({ exec: { command: ["bad"] } }, target())).toEqual({
      result: "failure",
      output: "nope\n",
    });
    expect(await exec({ exec: { command: ["slow", "x"] } }, target())).toEqual({
      result: "failure",
      output: 'command "slow x" timed out',
    });
    expect((await exec({ exec: { command: ["gone"] } }, target())).result).toBe("error");
  });
});

describe("resolvePort", () => {
  it("takes numbers in range and names the container declares", () => {
    const c: Container = { name: "web", ports: [{ name: "http", containerPort: 8080 }] };
    expect(resolvePort(80, c)).toBe(80);
    expect(resolvePort("http", c)).toBe(8080);
    expect(() => resolvePort(0, c)).toThrow("invalid port number: 0");
    expect(() => resolvePort(70000, c)).toThrow("invalid port number");
    expect(() => resolvePort("grpc", c)).toThrow("couldn't find port: grpc");
  });
});

async function freeClosedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}
