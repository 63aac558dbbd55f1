import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { badRequest, notFound, toStatusError, type Status } from "@ktl/apimachinery";
import {
  EXEC_STDERR,
  EXEC_STDOUT,
  execSubject,
  type Bus,
  type ExecRelayRequest,
  type ExecRelayTrailer,
} from "@ktl/nats";
import type { Logger } from "@ktl/service";
import type { Reads } from "../registry/reads.js";
import { openNodeRelay } from "../relay/node-relay.js";
import { execOverHttp } from "../relay/exec-http.js";
import { podOnNode, throwRelayFailure } from "./pod-log.js";

/**
 * `pods/exec` (`GET`/`POST /api/v1/namespaces/{ns}/pods/{name}/exec?command=..`)
 * as kubectl ≥ 1.30 speaks it: a WebSocket upgrade with subprotocol
 * `v5.channel.k8s.io` (or v4), binary messages whose first byte is the
 * channel (1 stdout, 2 stderr, 3 error: a v1 Status, Success or Failure with
 * reason NonZeroExitCode and the exit code as cause). The command runs to
 * completion in the container (CRI ExecSync) on the pod's kubelet, over the
 * NATS relay or, without it, the kubelet's `POST /exec/...`; its output is
 * then sent and the connection closed. Interactive exec (stdin, tty) is
 * refused for now. SPDY is not spoken: a request that fails validation gets
 * its Status (kubectl retries over SPDY after a failed WebSocket upgrade and
 * prints that), a valid SPDY request gets a 400 saying so.
 */

const PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/;
const PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"];
const ERROR_CHANNEL = 3;

export interface ExecDeps {
  readonly reads: Reads;
  readonly bus?: Bus;
  readonly log: Logger;
}

/** An exec request that passed validation. */
export interface ExecTarget extends ExecRelayRequest {
  readonly node: Parameters<typeof execOverHttp>[0];
  readonly stdout: boolean;
  readonly stderr: boolean;
}

/** What the command left, or why it could not run (a Status). */
type Outcome = { stdout: Buffer; stderr: Buffer; exitCode: number } | { status: Status };

/** True for requests to the exec subresource (the path only). */
export function isExecPath(path: string): boolean {
  return PATH.test(path);
}

/** Checks the request as Kubernetes does before anything runs; throws a StatusError. */
export async function execTarget(reads: Reads, url: URL): Promise<ExecTarget> {
  const match = PATH.exec(url.pathname);
  if (!match?.[1] || !match[2]) throw notFound({ group: "", resource: "pods/exec" }, "");
  const [namespace, name] = [decodeURIComponent(match[1]), decodeURIComponent(match[2])];
  const q = url.searchParams;
  const flag = (key: string): boolean => q.get(key) === "true" || q.get(key) === "1";
  const command = q.getAll("command");
  if (command.length === 0) throw badRequest("you must specify at least 1 command");
  if (flag("stdin") || flag("tty")) throw badRequest("interactive exec is not supported yet: stdin/tty");
  if (!flag("stdout") && !flag("stderr")) {
    throw badRequest("you must specify at least one of stdin, stdout, stderr");
  }
  const { pod, container, node } = await podOnNode(
    reads,
    { namespace, name },
    q.get("container") ?? undefined,
  );
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") {
    throw badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  }
  return { namespace, pod: name, container, command, node, stdout: flag("stdout"), stderr: flag("stderr") };
}

/** Runs the command on the pod's kubelet: over NATS when it answers there, else over HTTP. */
async function run(target: ExecTarget, bus: Bus | undefined, signal: AbortSignal): Promise<Outcome> {
  const request: ExecRelayRequest = {
    namespace: target.namespace,
    pod: target.pod,
    container: target.container,
    command: target.command,
  };
  try {
    const stream = await openNodeRelay(bus, execSubject(target.node.metadata?.name ?? ""), request).catch(
      throwRelayFailure,
    );
    if (!stream) return await execOverHttp(target.node, request, signal);
    signal.addEventListener("abort", () => stream.cancel(), { once: true });
    const parts = await stream.collect().catch(throwRelayFailure);
    return {
      stdout: parts.get(EXEC_STDOUT) ?? Buffer.alloc(0),
      stderr: parts.get(EXEC_STDERR) ?? Buffer.alloc(0),
      exitCode: (stream.trailer as ExecRelayTrailer | undefined)?.exitCode ?? 0,
    };
  } catch (err) {
    return { status: toStatusError(err).status };
  }
}

/** The error channel's message for an outcome, as Kubernetes' streaming server writes it. */
export function exitStatus(outcome: Outcome, command: readonly string[]): object {
  if ("status" in outcome) return outcome.status;
  if (outcome.exitCode === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message:
      `command terminated with non-zero exit code: error executing command ` +
      `[${command.join(" ")}], exit code ${outcome.exitCode}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(outcome.exitCode) }] },
  };
}

/**
 * The HTTP server's `upgrade` listener for pods/exec. `close()` ends every
 * open session (apiserver shutdown).
 */
export function execUpgrades(deps: ExecDeps): {
  handle: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  close: () => void;
} {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  const handle = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", () => undefined);
    void upgrade(deps, wss, req, socket, head).catch((err: unknown) => {
      deps.log.warn("exec upgrade failed", { error: String(err) });
      socket.destroy();
    });
  };
  return {
    handle,
    close: () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

async function upgrade(
  deps: ExecDeps,
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://apiserver");
  if (!isExecPath(url.pathname)) {
    return refuse(socket, {
      ...notFound({ group: "", resource: "" }, "").status,
      message: "the server could not find the requested resource",
      details: {},
    });
  }
  let target: ExecTarget;
  try {
    target = await execTarget(deps.reads, url);
  } catch (err) {
    return refuse(socket, toStatusError(err).status);
  }
  const offered = (req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
  const websocket = req.headers.upgrade?.toLowerCase() === "websocket";
  if (!websocket || !PROTOCOLS.some((p) => offered.includes(p))) {
    return refuse(
      socket,
      badRequest(
        `exec is served over WebSocket only (subprotocol ${PROTOCOLS.join(" or ")}); ` +
          `this client asked for ${req.headers.upgrade ?? "no upgrade"}`,
      ).status,
    );
  }
  wss.handleUpgrade(req, socket, head, (ws) => void session(ws, target, deps.bus));
}

/** One exec over an upgraded connection: announce, run, send output and status, close. */
async function session(ws: WebSocket, target: ExecTarget, bus: Bus | undefined): Promise<void> {
  const abort = new AbortController();
  ws.once("close", () => abort.abort());
  ws.on("error", () => abort.abort());
  const send = (channel: number, data: Uint8Array = new Uint8Array(0)): void => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true });
  };
  // An empty message on the lowest writable channel tells the client the streams are up.
  send(target.stdout ? EXEC_STDOUT : EXEC_STDERR);
  const outcome = await run(target, bus, abort.signal);
  if (abort.signal.aborted) return;
  if (!("status" in outcome)) {
    if (target.stdout && outcome.stdout.length > 0) send(EXEC_STDOUT, outcome.stdout);
    if (target.stderr && outcome.stderr.length > 0) send(EXEC_STDERR, outcome.stderr);
  }
  send(ERROR_CHANNEL, Buffer.from(JSON.stringify(exitStatus(outcome, target.command))));
  ws.close(1000);
}

/** Answers an upgrade request with a Status instead of switching protocols. */
function refuse(socket: Duplex, status: Status): void {
  const body = JSON.stringify(status);
  socket.end(
    `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? "Error"}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}
