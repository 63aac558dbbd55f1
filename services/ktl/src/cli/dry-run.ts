/**
 * kubectl's --dry-run=none|client|server: client sends nothing that writes,
 * server sends the write with `dryRun=All` (validated and defaulted, never
 * stored), and every printed outcome says so: `created (dry run)`,
 * `configured (server dry run)`.
 */
import type { Context } from "./context.js";
import { CliError } from "./errors.js";
import type { Flags, FlagSpec } from "./flags.js";

export type DryRun = "none" | "client" | "server";

export const DRY_RUN_FLAG: FlagSpec = {
  name: "dry-run",
  type: "string",
  default: "none",
  // A bare --dry-run is the deprecated spelling of --dry-run=client.
  noOptDefault: "unchanged",
  values: ["none", "client", "server"],
  help: 'Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.',
};

/** The strategy --dry-run asks for. */
export function dryRunStrategy(ctx: Context, flags: Flags): DryRun {
  const value = flags.string("dry-run");
  switch (value) {
    case "none":
      return "none";
    case "client":
      return "client";
    case "true":
    case "false":
      ctx.err(
        `Warning: --dry-run=${value} is deprecated (boolean value) and can be replaced with --dry-run=${value === "true" ? "client" : "none"}.\n`,
      );
      return value === "true" ? "client" : "none";
    case "server":
      return "server";
    case "unchanged":
      ctx.err("Warning: --dry-run is deprecated and can be replaced with --dry-run=client.\n");
      return "client";
    default:
      throw new CliError(`Invalid dry-run value (${value}). Must be "none", "server", or "client".`);
  }
}

/** What follows the verb in the printed outcome. */
export function dryRunSuffix(dryRun: DryRun): string {
  return dryRun === "client" ? " (dry run)" : dryRun === "server" ? " (server dry run)" : "";
}

/** The query a write carries: `dryRun=All` for a server dry run. */
export function dryRunQuery(dryRun: DryRun): { dryRun?: string } {
  return dryRun === "server" ? { dryRun: "All" } : {};
}
