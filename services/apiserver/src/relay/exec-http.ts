import { request as httpRequest } from "node:http";
import type { Node } from "@ktl/api";
import { internalError, StatusError, statusFromObject } from "@ktl/apimachinery";
import type { ExecHttpAnswer, ExecRelayRequest } from "@ktl/nats";
import { kubeletAddress } from "../rest/pod-log.js";

/**
 * Exec without the NATS relay: the kubelet's `POST /exec/{ns}/{pod}/{container}?command=..`,
 * which runs the command to completion and answers JSON (or a Status).
 */
export async function execOverHttp(
  node: Node,
  request: ExecRelayRequest,
  signal: AbortSignal,
): Promise<{ stdout: Buffer; stderr: Buffer; exitCode: number }> {
  const address = kubeletAddress(node);
  const query = new URLSearchParams(request.command.map((c): [string, string] => ["command", c]));
  const path =
    `/exec/${encodeURIComponent(request.namespace)}/${encodeURIComponent(request.pod)}/` +
    `${encodeURIComponent(request.container)}?${query.toString()}`;
  const { code, body } = await post({ ...address, path }, signal).catch((err: Error) => {
    throw internalError(
      new Error(`error reaching the kubelet at ${address.host}:${address.port}: ${err.message}`),
    );
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw internalError(new Error(body || `kubelet answered ${code}`));
  }
  if (code !== 200) throw new StatusError(statusFromObject(parsed) ?? internalError(new Error(body)).status);
  const answer = parsed as ExecHttpAnswer;
  return {
    stdout: Buffer.from(answer.stdout, "base64"),
    stderr: Buffer.from(answer.stderr, "base64"),
    exitCode: answer.exitCode,
  };
}

function post(
  target: { host: string; port: number; path: string },
  signal: AbortSignal,
): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ ...target, method: "POST", signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.once("end", () =>
        resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
      res.once("error", reject);
    });
    req.once("error", reject);
    req.end();
  });
}
