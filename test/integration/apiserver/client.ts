/** A tiny HTTP client for the REST API, returning status and parsed body. */
export interface Reply<T = Record<string, any>> {
  status: number;
  body: T;
  headers: Headers;
}

export class RestClient {
  constructor(readonly url: string) {}

  async request<T = Record<string, any>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> {
    const res = await fetch(this.url + path, {
      method,
      headers: { "content-type": "application/json", accept: "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // leave as text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get = (path: string, headers?: Record<string, string>) => this.request("GET", path, undefined, headers);
  post = (path: string, body: unknown, headers?: Record<string, string>) =>
    this.request("POST", path, body, headers);
  put = (path: string, body: unknown) => this.request("PUT", path, body);
  patch = (path: string, body: unknown, type: string) =>
    this.request("PATCH", path, body, { "content-type": type });
  delete = (path: string, body?: unknown) => this.request("DELETE", path, body);
}

export interface WatchEvent {
  type: string;
  object: Record<string, any>;
}

/** Opens a watch and collects its events; `next(n)` waits for n more. */
export async function openWatch(url: string, path: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url + path, {
    signal: controller.signal,
    headers: { accept: "application/json", ...headers },
  });
  const events: WatchEvent[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let newline: number;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (line.trim()) events.push(JSON.parse(line) as WatchEvent);
          waiters.splice(0).forEach((w) => w());
        }
      }
    } catch {
      // aborted
    }
    ended = true;
    waiters.splice(0).forEach((w) => w());
  })();
  return {
    status: res.status,
    events,
    get ended() {
      return ended;
    },
    /** Resolves when at least `count` events arrived (or the stream ended / timed out). */
    async waitFor(count: number, timeoutMs = 5000): Promise<WatchEvent[]> {
      const deadline = Date.now() + timeoutMs;
      while (events.length < count && !ended && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return events;
    },
    close: () => controller.abort(),
  };
}

export function pod(name: string, extra: Record<string, any> = {}): Record<string, any> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "web" }, ...extra.metadata },
    spec: { containers: [{ name: "c", image: "busybox", ...extra.container }], ...extra.spec },
  };
}
