/**
 * What every service process shares: structured JSON logs and graceful shutdown.
 *
 * @example
 * import { jsonLogger, onShutdown } from "@ktl/service";
 * const log = jsonLogger("scheduler");
 * onShutdown(log, async () => server.stop());
 */
export * from "./log.js";
export * from "./shutdown.js";
export * from "./health-server.js";
export * from "./config.js";
