import type { Request, Response } from "express";
import type { ResourceInfo } from "@ktl/api";
import { toStatusError } from "@ktl/apimachinery";
import type { Reads } from "../registry/reads.js";
import type { KubeObject } from "../storage/object.js";
import type { WatchEventType } from "../storage/watch-cache.js";
import { toTable } from "./table/index.js";
import type { OutputFormat } from "./output.js";
import { boolParam, intParam, param } from "./query.js";

/** A client whose socket buffer holds more than this is too slow and is cut off. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** When a watch response ends, and what it stops then. */
export interface WatchLifetime {
  readonly ended: boolean;
  /** Ends the response once: stops the timer and the source attached. */
  readonly end: () => void;
  /** The source's cancel; called at once when the response has already ended. */
  attach(cancel: () => void): void;
}

/**
 * A watch response lives until the request's `timeoutSeconds` (default a
 * random 30–60 min, as Kubernetes spreads its watchers' reconnects), the
 * client going away, or `end()`, whichever comes first.
 */
export function watchLifetime(req: Request, res: Response): WatchLifetime {
  let cancel: () => void = () => undefined;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    cancel();
    clearTimeout(timer);
    res.end();
  };
  const timeoutSeconds = intParam(req, "timeoutSeconds") ?? 1800 + Math.floor(Math.random() * 1800);
  const timer = setTimeout(end, timeoutSeconds * 1000);
  req.on("close", end);
  return {
    get ended() {
      return ended;
    },
    end,
    attach(source) {
      cancel = source;
      if (ended) source();
    },
  };
}

/**
 * Serves a watch as newline-delimited JSON events. Headers are flushed at once
 * so clients know the watch is established; an error after that (e.g. a too
 * old resourceVersion) is an ERROR event with a Status, as Kubernetes sends.
 */
export async function serveWatch(
  req: Request,
  res: Response,
  reads: Reads,
  target: { info: ResourceInfo; namespace: string | undefined; name: string | undefined },
  format: OutputFormat,
): Promise<void> {
  const { info } = target;
  const fieldSelector = [
    param(req, "fieldSelector"),
    target.name ? `metadata.name=${target.name}` : undefined,
  ]
    .filter(Boolean)
    .join(",");
  // Bad selectors or versions are a plain 400, before the stream starts.
  const prepared = reads.prepareWatch(info, {
    namespace: target.namespace,
    labelSelector: param(req, "labelSelector"),
    fieldSelector,
    resourceVersion: param(req, "resourceVersion"),
    allowWatchBookmarks: boolParam(req, "allowWatchBookmarks"),
  });
  res.status(200);
  res.setHeader("Content-Type", "application/json");
  res.setHeader("Transfer-Encoding", "chunked");
  res.setHeader("Cache-Control", "no-cache, private");
  res.flushHeaders();
  res.socket?.setNoDelay(true);

  let firstTable = true;
  const encode = (type: WatchEventType, obj: KubeObject): string => {
    let object: unknown = obj;
    if (format.table && type !== "BOOKMARK" && type !== "ERROR") {
      const table = toTable(info.kind, [obj], { includeObject: format.includeObject });
      // Kubernetes sends the column definitions with the first event only.
      object = firstTable ? table : { ...table, columnDefinitions: [] };
      firstTable = false;
    } else if (type === "BOOKMARK") {
      object = {
        kind: info.kind,
        apiVersion: info.group ? `${info.group}/${info.version}` : info.version,
        metadata: obj.metadata,
      };
    }
    return JSON.stringify({ type, object }) + "\n";
  };

  const lifetime = watchLifetime(req, res);
  try {
    const cancel = await reads.watch(prepared, {
      send(type, obj) {
        if (lifetime.ended) return true;
        res.write(encode(type, obj));
        return res.writableLength < MAX_BUFFERED_BYTES;
      },
      close: lifetime.end,
    });
    lifetime.attach(cancel);
  } catch (err) {
    const status = toStatusError(err).status;
    res.write(JSON.stringify({ type: "ERROR", object: status }) + "\n");
    lifetime.end();
  }
}
