/**
 * Runs one command line: finds the command among the leading words, parses
 * its flags together with the global ones (anywhere on the line), runs it,
 * and turns a failure into kubectl's message and exit code 1.
 */
import { Context, GLOBAL_FLAGS, type IO } from "./context.js";
import { leadingWords, parseArgs, type FlagSpec } from "./flags.js";
import type { Command, CommandRegistry } from "./registry.js";
import { describeFailure } from "./report.js";

function flagHelp(specs: readonly FlagSpec[]): string {
  return specs
    .map((s) => {
      const name = `${s.short ? `-${s.short}, ` : "    "}--${s.name}${s.type === "bool" ? "" : `=${s.value ?? ""}`}`;
      const def =
        s.default === undefined || s.default === "" ? "" : ` (default ${JSON.stringify(s.default)})`;
      return `    ${name.padEnd(34)} ${s.help}${def}`;
    })
    .join("\n");
}

export function commandHelp(command: Command): string {
  return (
    `${command.summary}\n\nUsage:\n  ${command.usage}\n` +
    (command.flags?.length ? `\nOptions:\n${flagHelp(command.flags)}\n` : "") +
    `\nUse "ktl options" for a list of global command-line options (applies to all commands).\n`
  );
}

function rootHelp(registry: CommandRegistry, prefix: readonly string[] = []): string {
  if (prefix.length > 0) {
    const name = prefix.join(" ");
    const lines = registry.children(prefix).map((c) => `  ${(c.path.at(-1) ?? "").padEnd(14)} ${c.summary}`);
    return `${registry.groupSummary(name)}\n\nAvailable Commands:\n${lines.join("\n")}\n\nUsage:\n  ktl ${name} [command] [flags]\n`;
  }
  const lines = registry.topLevel().map((c) => `  ${c.name.padEnd(15)} ${c.summary}`);
  return (
    `ktl controls a ktl cluster (a Kubernetes-style control plane); it speaks kubectl's verbs and flags.\n\n` +
    `Commands:\n${lines.join("\n")}\n\nUsage:\n  ktl [flags] [options]\n\n` +
    `Use "ktl <command> --help" for more information about a given command.\n` +
    `Use "ktl options" for a list of global command-line options (applies to all commands).\n`
  );
}

export async function runCli(argv: readonly string[], io: IO, registry: CommandRegistry): Promise<number> {
  const words = leadingWords(argv, GLOBAL_FLAGS, 3);
  const command = registry.find(words.map((w) => w.word));
  let commandName = "ktl";
  try {
    if (!command) {
      const first = words[0]?.word;
      if (first === "options") {
        io.stdout.write(`The following options can be passed to any command:\n\n${flagHelp(GLOBAL_FLAGS)}\n`);
        return 0;
      }
      if (first === undefined || first === "help" || registry.isGroup(first)) {
        const prefix = first && registry.isGroup(first) ? [first] : [];
        io.stdout.write(rootHelp(registry, prefix));
        return 0;
      }
      io.stderr.write(`error: unknown command "${first}" for "ktl"\n\nDid you mean this?\n\tktl --help\n`);
      return 1;
    }
    commandName = `ktl ${command.path.join(" ")}`;
    const skip = new Set(words.slice(0, command.path.length).map((w) => w.at));
    const rest = argv.filter((_, i) => !skip.has(i));
    const parsed = parseArgs(rest, [...GLOBAL_FLAGS, ...(command.flags ?? [])]);
    if (parsed.flags.bool("help")) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    const ctx = new Context(io, parsed.flags, commandName);
    await command.run(ctx, parsed.positionals, parsed.flags);
    return 0;
  } catch (err) {
    const { text, code } = describeFailure(err, commandName);
    if (text) io.stderr.write(text);
    return code;
  }
}
