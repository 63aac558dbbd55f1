/**
 * kubectl's remotecommand protocol over a WebSocket (`v5.channel.k8s.io`,
 * falling back to `v4.channel.k8s.io`): every binary message starts with its
 * channel byte — 1 stdout, 2 stderr, 3 the error channel, which carries the
 * final v1 Status — and in v5 `[255, channel]` closes a channel. The command's
 * outcome is that Status: Success, or Failure with reason NonZeroExitCode and
 * the exit code in details.causes[reason=ExitCode].
 */
import WebSocket from "ws";
import type { IncomingMessage } from "node:http";
import { CliError, ExitCodeError } from "../cli/errors.js";
import { connectionError, toApiError, type Query, type RestClient, type Status } from "./rest.js";

export const PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"] as const;

export const Channel = { Stdin: 0, Stdout: 1, Stderr: 2, Error: 3, Resize: 4, Close: 255 } as const;

export interface StreamOptions {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Reads the error channel's Status: undefined for success, else the error to end with. */
export function statusError(text: string): Error | undefined {
  if (text.trim() === "") return undefined;
  let status: Status;
  try {
    status = JSON.parse(text) as Status;
  } catch {
    // v1-style servers send a bare message.
    return new CliError(`error executing remote command: ${text}`);
  }
  if (status.status === "Success") return undefined;
  if (status.reason === "NonZeroExitCode") {
    const causes = (status.details?.causes ?? []) as { reason?: string; message?: string }[];
    const cause = causes.find((c) => c.reason === "ExitCode");
    const code = Number.parseInt(cause?.message ?? "", 10);
    if (Number.isInteger(code)) return new ExitCodeError(code);
    return new CliError(
      `error stream protocol error: invalid exit code value ${JSON.stringify(cause?.message)}`,
    );
  }
  return new CliError(status.message ?? "error stream protocol error: unknown error");
}

/** A refused upgrade: the server's Status, printed as kubectl prints it (`Error from server (BadRequest): …`). */
async function upgradeError(res: IncomingMessage): Promise<Error> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return toApiError(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"));
}

/**
 * Opens `path` (e.g. /api/v1/namespaces/ns/pods/p/exec) with `query`, copies
 * stdout and stderr out until the server closes, and resolves once the command
 * succeeded; rejects with ExitCodeError or the server's error otherwise.
 */
export function streamRemoteCommand(
  client: RestClient,
  path: string,
  query: Query,
  io: StreamOptions,
): Promise<void> {
  const { url, headers, tls } = client.connection(path, query);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [...PROTOCOLS], { headers, ...tls, perMessageDeflate: false });
    const errorText: Buffer[] = [];
    let settled = false;
    const finish = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve();
    };
    ws.on("unexpected-response", (req, res) => {
      // Read the refusal's Status first; closing the socket before would lose it.
      upgradeError(res)
        .then(finish, finish)
        .finally(() => req.destroy());
    });
    ws.on("error", (err) => finish(connectionError(err, "GET", url, client.host)));
    ws.on("message", (data: Buffer, isBinary) => {
      const message = isBinary ? data : Buffer.from(data);
      if (message.length === 0) return;
      const body = message.subarray(1);
      switch (message[0]) {
        case Channel.Stdout:
          io.stdout.write(body);
          break;
        case Channel.Stderr:
          io.stderr.write(body);
          break;
        case Channel.Error:
          errorText.push(body);
          break;
        default:
          // Close signals (v5) and unknown channels carry nothing to print.
          break;
      }
    });
    ws.on("close", () => finish(statusError(Buffer.concat(errorText).toString("utf8"))));
  });
}
