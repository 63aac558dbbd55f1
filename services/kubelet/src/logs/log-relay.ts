import { toStatusError } from "@ktl/apimachinery";
import { logsSubject, serveRelay, type Bus, type LogsRelayRequest } from "@ktl/nats";
import type { Logger } from "@ktl/service";
import { streamLogs, type LogLocator } from "./log-server.js";

/**
 * Serves `node.<node>.logs`: the same log path as the HTTP endpoint, with
 * the relay as sink. A locate error (container waiting, no previous
 * instance) refuses the request with its Status; a follow ends when the
 * container stops or the apiserver's side goes away.
 */
export function serveLogRelay(bus: Bus, nodeName: string, locate: LogLocator, log: Logger): () => void {
  return serveRelay(
    bus,
    logsSubject(nodeName),
    async (body, responder) => {
      const { namespace, pod, container, query } = body as LogsRelayRequest;
      const open = () => {
        responder.accept();
        return responder.writable();
      };
      await streamLogs(
        { namespace, pod, container, query: new URLSearchParams(query) },
        locate,
        open,
        responder.signal,
      );
    },
    { log, errorPayload: (err) => toStatusError(err).status },
  );
}
