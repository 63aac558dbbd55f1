/**
 * The HTTP client: REST/JSON requests to the apiserver with the kubeconfig's
 * TLS and credentials, errors as ApiError (the server's Status) or a
 * connection message worded as kubectl's, and streams for watch and logs.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { CliError } from "../cli/errors.js";

export interface Status {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; group?: string; causes?: { message?: string; field?: string }[] };
}

/** A failed request: the server's Status. */
export class ApiError extends Error {
  constructor(
    readonly status: Status,
    readonly code: number,
  ) {
    super(status.message ?? `the server returned ${code}`);
    this.name = "ApiError";
  }

  get reason(): string {
    return this.status.reason ?? "";
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof ApiError && err.code === 404;
export const isConflict = (err: unknown): boolean => err instanceof ApiError && err.code === 409;

export interface RestConfig {
  readonly server: string;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly insecure?: boolean;
  readonly servername?: string;
  readonly token?: string;
  readonly username?: string;
  readonly password?: string;
  /** --request-timeout; 0 = none. */
  readonly timeoutMs?: number;
}

/** Query parameters; a list repeats the key (`command=a&command=b`). */
export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface RequestInit {
  readonly query?: Query;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly accept?: string;
  readonly signal?: AbortSignal;
}

export const TABLE_ACCEPT =
  "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

const USER_AGENT = "ktl/v0.1.0";

export class RestClient {
  private readonly base: URL;

  constructor(readonly config: RestConfig) {
    this.base = new URL(config.server);
  }

  get host(): string {
    return this.base.host;
  }

  /** Sends a request and parses the JSON answer; non-2xx answers throw ApiError. */
  async request<T>(method: string, path: string, init: RequestInit = {}): Promise<T> {
    const res = await this.send(method, path, init);
    const text = await readBody(res);
    if ((res.statusCode ?? 0) >= 300) throw toApiError(res.statusCode ?? 0, text);
    if (text === "") return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  /** Sends a request and hands back the response stream once the status is 2xx. */
  async stream(method: string, path: string, init: RequestInit = {}): Promise<IncomingMessage> {
    const res = await this.send(method, path, init);
    if ((res.statusCode ?? 0) >= 300) throw toApiError(res.statusCode ?? 0, await readBody(res));
    return res;
  }

  /**
   * The URL, headers and TLS options of a request to `path`: what every
   * request shares, and what a WebSocket upgrade (exec) needs as well.
   */
  connection(
    path: string,
    query: Query = {},
  ): { url: URL; headers: Record<string, string>; tls: Record<string, unknown> } {
    const url = new URL(this.base.pathname.replace(/\/$/, "") + path, this.base);
    for (const [k, v] of Object.entries(query)) {
      if (Array.isArray(v)) for (const item of v as readonly string[]) url.searchParams.append(k, item);
      else if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { "User-Agent": USER_AGENT };
    const c = this.config;
    if (c.token) headers.Authorization = `Bearer ${c.token}`;
    else if (c.username)
      headers.Authorization = `Basic ${Buffer.from(`${c.username}:${c.password ?? ""}`).toString("base64")}`;
    const tls =
      url.protocol === "https:"
        ? { ca: c.ca, cert: c.cert, key: c.key, rejectUnauthorized: !c.insecure, servername: c.servername }
        : {};
    return { url, headers, tls };
  }

  private send(method: string, path: string, init: RequestInit): Promise<IncomingMessage> {
    const { url, headers, tls } = this.connection(path, init.query);
    headers.Accept = init.accept ?? "application/json";
    let payload: string | undefined;
    if (init.body !== undefined) {
      payload = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
      headers["Content-Type"] = init.contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    const c = this.config;
    const options: RequestOptions & Record<string, unknown> = {
      method,
      headers,
      signal: init.signal,
      ...tls,
    };
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, options, resolve);
      if (c.timeoutMs) {
        req.setTimeout(c.timeoutMs, () =>
          req.destroy(new CliError(`the server was unable to return a response in the time allotted`)),
        );
      }
      req.on("error", (err) => reject(connectionError(err, method, url, this.base.host)));
      req.end(payload);
    });
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", reject);
  });
}

/** The server's Status, or one made up from the code when the body is not a Status. */
export function toApiError(code: number, body: string): ApiError {
  try {
    const status = JSON.parse(body) as Status;
    if (status && status.kind === "Status") return new ApiError(status, code);
  } catch {
    // not JSON: fall through
  }
  const reasons: Record<number, string> = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
  };
  const message = body.trim() || `the server responded with the status code ${code}`;
  return new ApiError({ kind: "Status", message, reason: reasons[code] ?? "", code }, code);
}

export function connectionError(err: Error, method: string, url: URL, host: string): Error {
  if (err instanceof CliError) return err;
  if (err.name === "AbortError") return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ECONNREFUSED")
    return new ConnectionRefused(
      `The connection to the server ${host} was refused - did you specify the right host or port?`,
    );
  const verb = method.charAt(0) + method.slice(1).toLowerCase();
  return new CliError(`${verb} "${url.toString()}": ${err.message}`);
}

/** kubectl prints this one without the `error: ` prefix. */
export class ConnectionRefused extends CliError {}
