import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import type { ProbeOutcome } from "./outcome.js";

/** One httpGet probe, resolved: where to send it and with which headers. */
export interface HttpProbeRequest {
  /** e.g. http://100.64.0.5:8080/healthz */
  readonly url: URL;
  /** httpGet.httpHeaders, in order; names may repeat. */
  readonly headers: readonly { name: string; value: string }[];
  readonly timeoutMs: number;
}

/** What the kubelet sends as User-Agent unless the probe sets one (our kubelet claims 1.30, as the apiserver does). */
export const PROBE_USER_AGENT = "kube-probe/1.30";
const MAX_REDIRECTS = 10;
/** The kubelet keeps at most this much of a response body as probe output. */
const MAX_BODY_BYTES = 10 * 1024;

/**
 * Kubernetes' HTTP probe: GET, success for 200–399. Redirects are followed
 * (at most 10) while they stay on the same host; a redirect elsewhere is not
 * followed and its 3xx counts as success ("Probe terminated redirects"). The
 * timeout covers the whole exchange, redirects included. TLS certificates
 * are not verified, as the kubelet does not verify them.
 */
export async function httpProbe(req: HttpProbeRequest): Promise<ProbeOutcome> {
  const deadline = Date.now() + req.timeoutMs;
  const headers = probeHeaders(req.headers);
  let url = req.url;
  for (let redirects = 0; ; redirects++) {
    let answer: { status: number; location: string | undefined; body: string };
    try {
      answer = await get(url, headers, deadline - Date.now());
    } catch (err) {
      return { result: "failure", output: `Get "${url.href}": ${(err as Error).message}` };
    }
    const { status, location, body } = answer;
    if (status >= 300 && status < 400 && location !== undefined) {
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return { result: "failure", output: `Get "${url.href}": bad redirect location ${location}` };
      }
      if (next.hostname === req.url.hostname && (next.protocol === "http:" || next.protocol === "https:")) {
        if (redirects + 1 >= MAX_REDIRECTS) {
          return { result: "failure", output: `Get "${next.href}": stopped after 10 redirects` };
        }
        url = next;
        continue;
      }
    }
    if (status >= 200 && status < 400) {
      if (status >= 300)
        return { result: "success", output: `Probe terminated redirects, Response body: ${body}` };
      return { result: "success", output: body };
    }
    return { result: "failure", output: `HTTP probe failed with statuscode: ${status}` };
  }
}

/** User-Agent and Accept defaults; an empty Accept removes the header; Host overrides the host. */
function probeHeaders(list: readonly { name: string; value: string }[]): OutgoingHttpHeaders {
  const headers: Record<string, string[]> = {};
  for (const { name, value } of list) (headers[name.toLowerCase()] ??= []).push(value);
  headers["user-agent"] ??= [PROBE_USER_AGENT];
  if (!headers.accept) headers.accept = ["*/*"];
  else if (headers.accept.every((v) => v === "")) delete headers.accept;
  const out: OutgoingHttpHeaders = {};
  for (const [name, values] of Object.entries(headers)) {
    // Host is one value; the others may repeat.
    out[name] = name === "host" || values.length === 1 ? values[0] : values;
  }
  return out;
}

function get(
  url: URL,
  headers: OutgoingHttpHeaders,
  timeoutMs: number,
): Promise<{ status: number; location: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    if (timeoutMs <= 0) {
      reject(new Error("context deadline exceeded (Client.Timeout exceeded while awaiting headers)"));
      return;
    }
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, { method: "GET", headers, agent: false, rejectUnauthorized: false });
    const timer = setTimeout(() => {
      req.destroy(new Error("context deadline exceeded (Client.Timeout exceeded while awaiting headers)"));
    }, timeoutMs);
    req.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.once("response", (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = (): void => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          location: res.headers.location,
          body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString("utf8"),
        });
      };
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        // Enough for the output: the rest of a large body is not waited for.
        if (size >= MAX_BODY_BYTES) {
          finish();
          req.destroy();
        }
      });
      res.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      res.once("end", finish);
    });
    req.end();
  });
}
