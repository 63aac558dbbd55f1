import type { Logger } from "./log.js";

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits: 0 when it finished,
 * 1 when it failed. A second signal exits at once.
 */
export function onShutdown(log: Logger, stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handle = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info("shutting down", { signal });
    stop(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        log.error("shutdown failed", { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => handle("SIGTERM"));
  process.on("SIGINT", () => handle("SIGINT"));
}
