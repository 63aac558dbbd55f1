#!/usr/bin/env node
import { registry } from "./commands/index.js";
import { runCli } from "./cli/run.js";

// A reader that went away (`ktl get pods | head`) ends the output, not ktl with a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

const code = await runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env },
  registry,
);
// Exit once stdout has drained (large -o yaml output into a pipe), whatever
// idle sockets or timers are left.
process.stdout.write("", () => process.exit(code));
