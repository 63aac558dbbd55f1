import { ApiError, ConnectionRefused } from "../client/rest.js";
import { CliError, ExitCodeError, SilentError, UsageError } from "./errors.js";

/** kubectl's wording of a server error: `Error from server (NotFound): pods "x" not found`. */
export function serverErrorMessage(err: ApiError, prefix = ""): string {
  const reason = err.reason;
  return reason
    ? `Error from server (${reason}): ${prefix}${err.message}`
    : `Error from server: ${prefix}${err.message}`;
}

/** The line(s) a failed command prints on stderr, and its exit code. */
export function describeFailure(err: unknown, commandName: string): { text: string; code: number } {
  if (err instanceof SilentError) return { text: "", code: err.exitCode };
  if (err instanceof ApiError) return { text: serverErrorMessage(err) + "\n", code: 1 };
  if (err instanceof ConnectionRefused) return { text: err.message + "\n", code: 1 };
  if (err instanceof ExitCodeError) return { text: err.message + "\n", code: err.exitCode };
  if (err instanceof UsageError)
    return { text: `error: ${err.message}\nSee '${commandName} --help' for usage.\n`, code: 1 };
  if (err instanceof CliError) return { text: `error: ${err.message}\n`, code: err.exitCode };
  const message = err instanceof Error ? err.message : String(err);
  return { text: `error: ${message}\n`, code: 1 };
}
