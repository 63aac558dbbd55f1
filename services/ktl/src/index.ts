/**
 * ktl, the kubectl-like CLI: `runCli(argv, io, registry)` runs one command
 * line; `registry` holds every verb, and new verbs register there.
 *
 * @example
 * import { registry, runCli } from "@ktl/ktl";
 * const code = await runCli(["get", "pods", "-A"], { stdout, stderr, stdin, env }, registry);
 */
export { runCli } from "./cli/run.js";
export { registry } from "./commands/index.js";
export type { Command } from "./cli/registry.js";
export { CommandRegistry } from "./cli/registry.js";
export type { Context, IO } from "./cli/context.js";
