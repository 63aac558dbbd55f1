import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { ExitCodeError } from "../cli/errors.js";
import { PROTOCOLS, statusError, streamRemoteCommand } from "./remotecommand.js";
import { ApiError, RestClient } from "./rest.js";

const SUCCESS = '{"metadata":{},"status":"Success"}';
const exitStatus = (code: number): string =>
  JSON.stringify({
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: exit status ${code}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(code) }] },
  });

const frame = (channel: number, text: string | Buffer): Buffer =>
  Buffer.concat([Buffer.from([channel]), Buffer.from(text)]);

interface Seen {
  url: string;
  protocol: string;
  authorization: string | undefined;
}

let server: WebSocketServer | undefined;

afterEach(async () => {
  const closing = server;
  if (closing) await new Promise((r) => closing.close(r));
  server = undefined;
});

/** A server that plays the remotecommand protocol: `play` sends what the exec would. */
async function serve(
  play: (ws: WebSocket) => void,
  accept: readonly string[] = PROTOCOLS,
): Promise<{ client: RestClient; seen: Seen[] }> {
  const seen: Seen[] = [];
  const wss = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    handleProtocols: (offered) => accept.find((p) => offered.has(p)) ?? false,
  });
  server = wss;
  wss.on("connection", (ws, req) => {
    seen.push({ url: req.url ?? "", protocol: ws.protocol, authorization: req.headers.authorization });
    play(ws);
  });
  await new Promise((r) => wss.once("listening", r));
  const { port } = wss.address() as AddressInfo;
  return { client: new RestClient({ server: `http://127.0.0.1:${port}`, token: "sekret" }), seen };
}

function sinks(): { stdout: PassThrough; stderr: PassThrough; text: () => { out: string; err: string } } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (c: Buffer) => out.push(c));
  stderr.on("data", (c: Buffer) => err.push(c));
  return {
    stdout,
    stderr,
    text: () => ({ out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() }),
  };
}

const PATH = "/api/v1/namespaces/demo/pods/web/exec";
const QUERY = { command: ["sh", "-c", "echo hi"], container: "httpd", stdout: "true", stderr: "true" };

describe("statusError", () => {
  it("reads Success, NonZeroExitCode and other failures from the error channel", () => {
    expect(statusError("")).toBeUndefined();
    expect(statusError(SUCCESS)).toBeUndefined();
    const exit = statusError(exitStatus(3));
    expect(exit).toBeInstanceOf(ExitCodeError);
    expect(exit).toMatchObject({ exitCode: 3, message: "command terminated with exit code 3" });
    const failure = statusError('{"status":"Failure","message":"container not found (\\"x\\")"}');
    expect(failure?.message).toBe('container not found ("x")');
    expect(statusError("boom")?.message).toBe("error executing remote command: boom");
  });
});

describe("streamRemoteCommand", () => {
  it("speaks v5: copies stdout and stderr, honours close signals, ends on Success", async () => {
    const { client, seen } = await serve((ws) => {
      ws.send(frame(1, "hello\n"));
      ws.send(frame(2, "warning\n"));
      ws.send(Buffer.from([255, 1]));
      ws.send(frame(1, "")); // an empty frame is nothing
      ws.send(frame(3, SUCCESS));
      ws.close(1000);
    });
    const io = sinks();
    await streamRemoteCommand(client, PATH, QUERY, io);
    expect(io.text()).toEqual({ out: "hello\n", err: "warning\n" });
    expect(seen).toEqual([
      {
        url: `${PATH}?command=sh&command=-c&command=echo+hi&container=httpd&stdout=true&stderr=true`,
        protocol: "v5.channel.k8s.io",
        authorization: "Bearer sekret",
      },
    ]);
  });

  it("falls back to v4 and ends with the command's exit code", async () => {
    const { client, seen } = await serve(
      (ws) => {
        ws.send(frame(1, "partial"));
        ws.send(frame(3, exitStatus(3)));
        ws.close(1000);
      },
      ["v4.channel.k8s.io"],
    );
    const io = sinks();
    const err = await streamRemoteCommand(client, PATH, QUERY, io).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExitCodeError);
    expect(err).toMatchObject({ exitCode: 3 });
    expect(io.text().out).toBe("partial");
    expect(seen[0]?.protocol).toBe("v4.channel.k8s.io");
  });

  it("treats a close without a status as success", async () => {
    const { client } = await serve((ws) => {
      ws.send(frame(1, "x"));
      ws.close(1000);
    });
    const io = sinks();
    await streamRemoteCommand(client, PATH, QUERY, io);
    expect(io.text().out).toBe("x");
  });

  it("turns a refused upgrade into the server's Status", async () => {
    const wss = new WebSocketServer({
      host: "127.0.0.1",
      port: 0,
      verifyClient: (_info, done) => done(false, 404, "Not Found"),
    });
    server = wss;
    await new Promise((r) => wss.once("listening", r));
    const { port } = wss.address() as AddressInfo;
    const client = new RestClient({ server: `http://127.0.0.1:${port}` });
    const err = await streamRemoteCommand(client, PATH, QUERY, sinks()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 404, reason: "NotFound" });
  });

  it("words a refused connection as kubectl does", async () => {
    const client = new RestClient({ server: "http://127.0.0.1:1" });
    const err = await streamRemoteCommand(client, PATH, QUERY, sinks()).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      "The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?",
    );
  });
});

/** A self-signed certificate for 127.0.0.1 (openssl is on Debian; without it the TLS test is skipped). */
function selfSigned(): { cert: Buffer; key: Buffer } | undefined {
  const dir = mkdtempSync(join(tmpdir(), "ktl-tls-"));
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        .concat(["-addext", "subjectAltName=IP:127.0.0.1"])
        .concat(["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")]),
      { stdio: "ignore" },
    );
    return { cert: readFileSync(join(dir, "cert.pem")), key: readFileSync(join(dir, "key.pem")) };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tls = selfSigned();

describe.skipIf(!tls)("streamRemoteCommand over TLS", () => {
  it("trusts the kubeconfig's CA and sends its token, as every ktl request does", async () => {
    const https = createHttpsServer({ cert: tls?.cert, key: tls?.key });
    const wss = new WebSocketServer({ server: https, handleProtocols: () => "v5.channel.k8s.io" });
    const tokens: (string | undefined)[] = [];
    wss.on("connection", (ws, req) => {
      tokens.push(req.headers.authorization);
      ws.send(frame(1, "secure\n"));
      ws.send(frame(3, SUCCESS));
      ws.close(1000);
    });
    await new Promise<void>((r) => https.listen(0, "127.0.0.1", r));
    const server = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
    try {
      const io = sinks();
      await streamRemoteCommand(new RestClient({ server, ca: tls?.cert, token: "t0k" }), PATH, QUERY, io);
      expect(io.text().out).toBe("secure\n");
      expect(tokens).toEqual(["Bearer t0k"]);
      // Without the CA the certificate is refused; --insecure-skip-tls-verify accepts it.
      const untrusted = await streamRemoteCommand(new RestClient({ server }), PATH, QUERY, sinks()).catch(
        (e: unknown) => e as Error,
      );
      expect(untrusted?.message).toMatch(/self-signed certificate/);
      await streamRemoteCommand(new RestClient({ server, insecure: true }), PATH, QUERY, sinks());
    } finally {
      wss.close();
      await new Promise((r) => https.close(r));
    }
  });
});
