import type { IncomingMessage, ServerResponse } from "node:http";
import { toStatusError } from "@ktl/apimachinery";
import { parseContainerPath } from "../server/container-path.js";
import type { ContainerExecutor } from "./exec.js";

const PREFIX = "/exec/";

/** True for the paths `serveExec` answers. */
export function isExecPath(url: string): boolean {
  return url.startsWith(PREFIX);
}

/**
 * `POST /exec/{namespace}/{pod}/{container}?command=..&command=..`: the
 * apiserver's fallback when the NATS relay is not there. Runs the command to
 * completion and answers JSON `{stdout, stderr, exitCode}` (outputs base64,
 * as they are bytes), or a Kubernetes Status on error.
 */
export async function serveExec(
  req: IncomingMessage,
  res: ServerResponse,
  exec: ContainerExecutor,
): Promise<void> {
  const controller = new AbortController();
  res.once("close", () => controller.abort());
  try {
    const { namespace, pod, container, query } = parseContainerPath(req.url, PREFIX);
    const command = query.getAll("command");
    const result = await exec({ namespace, pod, container, command }, controller.signal);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        stdout: Buffer.from(result.stdout).toString("base64"),
        stderr: Buffer.from(result.stderr).toString("base64"),
        exitCode: result.exitCode,
      }),
    );
  } catch (err) {
    const { status } = toStatusError(err);
    res.writeHead(status.code, { "content-type": "application/json" });
    res.end(JSON.stringify(status));
  }
}
