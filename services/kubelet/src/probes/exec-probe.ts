import { isDeadlineExceeded, type RuntimeService } from "@ktl/cri";
import type { ProbeOutcome } from "./outcome.js";

/** The one runtime call probes need (RuntimeService satisfies it). */
export type ProbeExecutor = Pick<RuntimeService, "execSync">;

/** Extra time the CRI call gets beyond the probe's own timeout, for the runtime's answer to arrive. */
const CALL_GRACE_MS = 5000;

/**
 * Kubernetes' exec probe: the command runs in the container through CRI
 * ExecSync; exit code 0 is success, any other is failure with the command's
 * output. A timeout is a failure; any other runtime error is thrown away.
 */
export async function execProbe(target: {
  runtime: ProbeExecutor;
  containerId: string;
  command: readonly string[];
  timeoutMs: number;
}): Promise<ProbeOutcome> {
  const timeoutSeconds = Math.max(1, Math.ceil(target.timeoutMs / 1000));
  try {
    const res = await target.runtime.execSync(
      { containerId: target.containerId, cmd: [...target.command], timeout: timeoutSeconds },
      { timeoutMs: target.timeoutMs + CALL_GRACE_MS },
    );
    const output = text(res.stdout) + text(res.stderr);
    if ((res.exitCode ?? 0) === 0) return { result: "success", output };
    return { result: "failure", output: output || `command exited with ${res.exitCode}` };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (isDeadlineExceeded(err) || /deadline exceeded|timed? ?out/i.test(message)) {
      return {
        result: "failure",
        output: `command ${JSON.stringify(target.command.join(" "))} timed out`,
      };
    }
    return { result: "error", output: message };
  }
}

function text(bytes: Uint8Array | undefined): string {
  return bytes && bytes.length > 0 ? Buffer.from(bytes).toString("utf8") : "";
}
