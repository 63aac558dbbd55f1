/**
 * The errors a command ends with, printed as kubectl prints them: a client
 * error as `error: …`, a server Status as `Error from server (Reason): …`.
 */

/** A client-side error: printed as `error: <message>`, exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Bad flags or arguments: printed with a pointer to the command's help. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** An error already printed (e.g. per object); only sets the exit code. */
export class SilentError extends CliError {
  constructor(exitCode = 1) {
    super("", exitCode);
    this.name = "SilentError";
  }
}

/** A remote command exited non-zero: printed without `error: `, and ktl exits with its code. */
export class ExitCodeError extends CliError {
  constructor(readonly code: number) {
    super(`command terminated with exit code ${code}`, code);
    this.name = "ExitCodeError";
  }
}
