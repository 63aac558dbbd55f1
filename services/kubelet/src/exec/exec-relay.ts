import { toStatusError } from "@ktl/apimachinery";
import {
  EXEC_STDERR,
  EXEC_STDOUT,
  execSubject,
  serveRelay,
  type Bus,
  type ExecRelayRequest,
  type ExecRelayTrailer,
} from "@ktl/nats";
import type { Logger } from "@ktl/service";
import type { ContainerExecutor } from "./exec.js";

/**
 * Serves `node.<node>.exec`: accepts at once (the command may run long, and
 * the accepted stream keeps both sides alive meanwhile), runs it, then sends
 * stdout and stderr on their channels and the exit code as trailer.
 */
export function serveExecRelay(bus: Bus, nodeName: string, exec: ContainerExecutor, log: Logger): () => void {
  return serveRelay(
    bus,
    execSubject(nodeName),
    async (body, responder) => {
      const request = body as ExecRelayRequest;
      responder.accept();
      const result = await exec(request, responder.signal);
      await responder.write(result.stdout, EXEC_STDOUT);
      await responder.write(result.stderr, EXEC_STDERR);
      const trailer: ExecRelayTrailer = { exitCode: result.exitCode };
      responder.end(trailer);
    },
    { log, errorPayload: (err) => toStatusError(err).status },
  );
}
