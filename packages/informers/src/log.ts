/**
 * The logger the reflector and informers report to. Its shape matches the
 * services' JSON logger, so a service passes its own and the lines carry its
 * component name.
 */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * The default: warnings and errors as JSON lines on stderr, info dropped. A
 * library that swallowed watch failures by default would hide exactly the
 * outages operators need to see.
 */
export const stderrLogger: Logger = {
  info: () => undefined,
  warn: (msg, fields) => writeLine("warn", msg, fields),
  error: (msg, fields) => writeLine("error", msg, fields),
};

export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

function writeLine(level: string, msg: string, fields?: Record<string, unknown>): void {
  const line = { ts: new Date().toISOString(), level, component: "informers", msg, ...fields };
  process.stderr.write(JSON.stringify(line) + "\n");
}

/** An error as a log field: its message, not `{}` as JSON.stringify would give. */
export function errorField(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
