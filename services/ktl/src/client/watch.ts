import type { IncomingMessage } from "node:http";
import { ApiError, type Status } from "./rest.js";

export interface WatchEvent<T = Record<string, unknown>> {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  readonly object: T;
}

/** The events of a watch response (one JSON object per line); an ERROR event throws its Status. */
export async function* watchEvents<T>(res: IncomingMessage): AsyncGenerator<WatchEvent<T>> {
  let buffered = "";
  for await (const chunk of res) {
    buffered += (chunk as Buffer).toString("utf8");
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (!line) continue;
      const event = JSON.parse(line) as WatchEvent<T>;
      if (event.type === "ERROR") {
        const status = event.object as Status;
        throw new ApiError(status, status.code ?? 500);
      }
      yield event;
    }
  }
}
