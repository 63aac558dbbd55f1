import type { IncomingMessage, ServerResponse } from "node:http";
import { logSinceTime, parsePodLogOptions } from "@ktl/api";
import { toStatusError } from "@ktl/apimachinery";
import { parseContainerPath } from "../server/container-path.js";
import { readLogs } from "./read-logs.js";

/** Which container's log the apiserver asks for. */
export interface LogRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  /** The instance before the current one (`--previous`). */
  readonly previous: boolean;
}

/** Where that log is, and whether its container still writes to it. */
export interface LogLocation {
  readonly path: string;
  readonly isRunning: () => Promise<boolean>;
}

/**
 * Finds a container's log file. Throws a StatusError the apiserver passes on,
 * with Kubernetes' wording, e.g. 400 `container "web" in pod "x" is waiting
 * to start: ContainerCreating` or 400 `previous terminated container "web" in
 * pod "x" not found`.
 */
export type LogLocator = (request: LogRequest) => Promise<LogLocation>;

const PREFIX = "/containerLogs/";

/** True for the paths `serveContainerLogs` answers. */
export function isContainerLogsPath(url: string): boolean {
  return url.startsWith(PREFIX);
}

/** A container's log as the apiserver asks for it, with PodLogOptions as a query string. */
export interface LogQuery {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly query: URLSearchParams;
}

/** Where log text goes: an HTTP response, a relay stream. */
export type LogSink = Parameters<typeof readLogs>[1];

/**
 * The one path from a log request to its bytes, for HTTP and the NATS relay
 * alike: locate the file (a StatusError when there is none, thrown before
 * `open`), then `open()` the sink (send headers, accept the relay) and stream
 * what the options ask for until done, the container stops (follow) or
 * `signal` aborts.
 */
export async function streamLogs(
  request: LogQuery,
  locate: LogLocator,
  open: () => LogSink,
  signal: AbortSignal,
): Promise<void> {
  const options = parsePodLogOptions(request.query);
  const { namespace, pod, container } = request;
  const location = await locate({ namespace, pod, container, previous: options.previous });
  await readLogs(location.path, open(), {
    tailLines: options.tailLines,
    sinceTime: logSinceTime(options),
    timestamps: options.timestamps,
    limitBytes: options.limitBytes,
    follow: options.follow && !options.previous,
    isRunning: location.isRunning,
    signal,
  });
}

/**
 * The kubelet's `GET /containerLogs/{namespace}/{pod}/{container}` with
 * PodLogOptions in the query (the apiserver's fallback when the relay is not
 * there). Errors are Kubernetes Status objects, so the apiserver can relay
 * them as is.
 */
export async function serveContainerLogs(
  req: IncomingMessage,
  res: ServerResponse,
  locate: LogLocator,
): Promise<void> {
  const controller = new AbortController();
  res.once("close", () => controller.abort());
  try {
    const { namespace, pod, container, query } = parseContainerPath(req.url, PREFIX);
    const open = (): ServerResponse => {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" });
      // Headers now, so a follower sees the stream open before the first line.
      res.flushHeaders();
      return res;
    };
    await streamLogs({ namespace, pod, container, query }, locate, open, controller.signal);
    res.end();
  } catch (err) {
    if (res.headersSent) {
      res.destroy(err instanceof Error ? err : undefined);
      return;
    }
    const { status } = toStatusError(err);
    res.writeHead(status.code, { "content-type": "application/json" });
    res.end(JSON.stringify(status));
  }
}
