/**
 * The command registry: every verb (or `group verb`, like `rollout status`)
 * is one Command registered here, so adding `ktl cluster …` later is one file
 * and one line in commands/index.ts.
 */
import type { Context } from "./context.js";
import type { FlagSpec, Flags } from "./flags.js";

export interface Command {
  /** The words that name it: ["get"], ["rollout", "status"]. */
  readonly path: readonly string[];
  readonly aliases?: readonly string[];
  readonly summary: string;
  /** e.g. "ktl get TYPE[.VERSION][.GROUP] [NAME ...] [flags]". */
  readonly usage: string;
  readonly flags?: readonly FlagSpec[];
  /** Hidden from help (e.g. the completion helper). */
  readonly hidden?: boolean;
  run(ctx: Context, args: string[], flags: Flags): Promise<void>;
}

export class CommandRegistry {
  private readonly commands: Command[] = [];
  /** Summaries of command groups such as `rollout`, for help. */
  private readonly groups = new Map<string, string>();

  add(...commands: Command[]): this {
    this.commands.push(...commands);
    return this;
  }

  group(name: string, summary: string): this {
    this.groups.set(name, summary);
    return this;
  }

  all(): readonly Command[] {
    return this.commands;
  }

  /** The command whose path (or an alias of its last word) is the longest prefix of `words`. */
  find(words: readonly string[]): Command | undefined {
    let best: Command | undefined;
    for (const command of this.commands) {
      const n = command.path.length;
      if (n > words.length || (best && best.path.length >= n)) continue;
      const prefixMatches = command.path.slice(0, -1).every((w, i) => words[i] === w);
      const last = words[n - 1] ?? "";
      if (prefixMatches && (command.path[n - 1] === last || (command.aliases ?? []).includes(last)))
        best = command;
    }
    return best;
  }

  /** Commands one level below `prefix` (for a group's help). */
  children(prefix: readonly string[]): Command[] {
    return this.commands.filter(
      (c) => c.path.length === prefix.length + 1 && prefix.every((w, i) => c.path[i] === w) && !c.hidden,
    );
  }

  isGroup(word: string): boolean {
    return this.groups.has(word);
  }

  groupSummary(word: string): string {
    return this.groups.get(word) ?? "";
  }

  topLevel(): { name: string; summary: string }[] {
    const out = new Map<string, string>();
    for (const c of this.commands) {
      if (c.hidden) continue;
      const name = c.path[0] ?? "";
      if (c.path.length === 1) out.set(name, c.summary);
      else if (!out.has(name)) out.set(name, this.groups.get(name) ?? "");
    }
    return [...out].map(([name, summary]) => ({ name, summary }));
  }
}
