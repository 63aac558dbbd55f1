import { StatusError, badRequest, internalError, type Status } from "@ktl/apimachinery";
import { CriError, isDeadlineExceeded, type RuntimeService } from "@ktl/cri";
import type { ExecRelayRequest } from "@ktl/nats";
import type { RunningPod } from "../pods/pod-manager.js";

/** What a finished command left. */
export interface ExecResult {
  readonly stdout: Uint8Array;
  readonly stderr: Uint8Array;
  readonly exitCode: number;
}

/** Runs a command in a container of one of this node's pods, to completion. */
export type ContainerExecutor = (request: ExecRelayRequest, signal?: AbortSignal) => Promise<ExecResult>;

/** Non-interactive exec has no natural end but the command's; this bounds a runaway one. */
export const EXEC_TIMEOUT_SECONDS = 300;

/**
 * Kubernetes' exec without streams: the container is found among the pod's
 * running containers as the runtime last listed them (the kubelet's
 * findContainer, so one not running is "container not found"), and the
 * command runs through CRI ExecSync with a timeout.
 */
export function makeExecutor(deps: {
  runtime: Pick<RuntimeService, "execSync">;
  runningPods: () => readonly RunningPod[];
  timeoutSeconds?: number;
}): ContainerExecutor {
  return async ({ namespace, pod, container, command }, signal) => {
    if (command.length === 0) throw badRequest("you must specify at least 1 command");
    const running = deps.runningPods().find((p) => p.namespace === namespace && p.name === pod);
    const target = running?.containers.find((c) => c.name === container && c.state === "CONTAINER_RUNNING");
    if (!target) throw containerNotFound(container);
    const timeout = deps.timeoutSeconds ?? EXEC_TIMEOUT_SECONDS;
    try {
      const res = await deps.runtime.execSync(
        { containerId: target.id, cmd: [...command], timeout },
        { signal },
      );
      return {
        stdout: res.stdout ?? new Uint8Array(0),
        stderr: res.stderr ?? new Uint8Array(0),
        exitCode: res.exitCode ?? 0,
      };
    } catch (err) {
      if (isDeadlineExceeded(err)) throw execFailure(`command timed out after ${timeout}s`);
      throw execFailure(
        err instanceof CriError ? err.details : err instanceof Error ? err.message : String(err),
      );
    }
  };
}

/** The kubelet's words for a container that is not running (any more, or yet). */
function containerNotFound(name: string): StatusError {
  return new StatusError(failure(404, "NotFound", `container not found (${JSON.stringify(name)})`));
}

/** A runtime failure of the exec itself (not the command's exit code), as Kubernetes' streaming server words it. */
function execFailure(message: string): StatusError {
  return internalError(new Error(`error executing command in container: ${message}`));
}

function failure(code: number, reason: string, message: string): Status {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}
