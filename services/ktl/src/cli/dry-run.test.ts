import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { Context } from "./context.js";
import { DRY_RUN_FLAG, dryRunQuery, dryRunStrategy, dryRunSuffix } from "./dry-run.js";
import { parseArgs } from "./flags.js";

function strategy(...argv: string[]): { value: string; stderr: string; rest: string[] } {
  const stderr = new PassThrough();
  let err = "";
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  const { positionals, flags } = parseArgs(argv, [DRY_RUN_FLAG]);
  const ctx = new Context(
    { stdout: new PassThrough(), stderr, stdin: new PassThrough(), env: {} },
    flags,
    "ktl x",
  );
  return { value: dryRunStrategy(ctx, flags), stderr: err, rest: positionals };
}

describe("--dry-run", () => {
  it("reads none, client and server, and kubectl's deprecated spellings", () => {
    expect(strategy()).toEqual({ value: "none", stderr: "", rest: [] });
    expect(strategy("--dry-run=client").value).toBe("client");
    expect(strategy("--dry-run=server").value).toBe("server");
    // A bare --dry-run takes no argument: `web` stays a positional.
    expect(strategy("--dry-run", "web")).toEqual({
      value: "client",
      stderr: "Warning: --dry-run is deprecated and can be replaced with --dry-run=client.\n",
      rest: ["web"],
    });
    expect(strategy("--dry-run=false").value).toBe("none");
    expect(() => strategy("--dry-run=bogus")).toThrow(
      'Invalid dry-run value (bogus). Must be "none", "server", or "client".',
    );
  });

  it("says what it did and asks the server not to persist", () => {
    expect(["none", "client", "server"].map((d) => dryRunSuffix(d as "none"))).toEqual([
      "",
      " (dry run)",
      " (server dry run)",
    ]);
    expect(dryRunQuery("server")).toEqual({ dryRun: "All" });
    expect(dryRunQuery("client")).toEqual({});
  });
});
