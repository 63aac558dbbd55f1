/**
 * `ktl completion bash|zsh` prints a script that asks the hidden
 * `ktl __complete -- WORDS… CURRENT` for candidates: verbs, a command's flags
 * (`--dry-run=client`), a flag's values (`-o yaml`), resource types from
 * discovery, then object names from the server (pods for exec and logs,
 * nodes for cordon and drain).
 */
import { Context, GLOBAL_FLAGS } from "../cli/context.js";
import { CliError } from "../cli/errors.js";
import { leadingWords, parseArgs, type FlagSpec } from "../cli/flags.js";
import type { Command, CommandRegistry } from "../cli/registry.js";
import type { ApiResource } from "../client/discovery.js";
import { resourcePath } from "../client/paths.js";

// COMP_WORDS splits `--dry-run=cl` at `=`; __complete puts it back together.
const BASH = `# ktl bash completion: source <(ktl completion bash)
_ktl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  [[ "$cur" == "=" ]] && cur=""
  local IFS=$'\\n'
  COMPREPLY=( $(compgen -W "$(ktl __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" -- "$cur") )
}
complete -o default -F _ktl ktl
`;

const ZSH = `#compdef ktl
# ktl zsh completion: source <(ktl completion zsh)
_ktl() {
  local -a completions
  completions=("\${(@f)$(ktl __complete -- \${words[2,CURRENT]} 2>/dev/null)}")
  compadd -a completions
}
compdef _ktl ktl
`;

export const completionCommand: Command = {
  path: ["completion"],
  summary: "Output shell completion code for the specified shell (bash or zsh)",
  usage: "ktl completion SHELL",
  run: async (ctx, args) => {
    const shell = args[0];
    if (shell === "bash") ctx.out(BASH);
    else if (shell === "zsh") ctx.out(ZSH);
    else throw new CliError(shell ? `Unsupported shell type "${shell}".` : "Shell not specified.");
    return Promise.resolve();
  },
};

/** Verbs whose first argument is a resource type, then names of that type. */
const TYPED_VERBS = new Set(["get", "describe", "delete", "edit", "label", "annotate", "scale"]);
/** Verbs whose arguments are objects of one fixed type. */
const OBJECT_VERBS: Record<string, string> = {
  exec: "pods",
  logs: "pods",
  cordon: "nodes",
  uncordon: "nodes",
  drain: "nodes",
};
/** Values of value flags that do not list their own. */
const FLAG_VALUES: Record<string, readonly string[]> = {
  output: ["json", "yaml", "name", "wide", "jsonpath=", "custom-columns="],
};

const flagValues = (spec: FlagSpec): readonly string[] => spec.values ?? FLAG_VALUES[spec.name] ?? [];

/** `--name` for every flag, `--name=value` for the values a flag lists. */
function flagWords(specs: readonly FlagSpec[]): string[] {
  return specs.flatMap((s) => [`--${s.name}`, ...(s.values ?? []).map((v) => `--${s.name}=${v}`)]);
}

/** The flag a word names (`--dry-run`, `-o`), if any. */
function flagNamed(word: string, specs: readonly FlagSpec[]): FlagSpec | undefined {
  if (word.startsWith("--")) return specs.find((s) => s.name === word.slice(2));
  if (/^-\w$/.test(word)) return specs.find((s) => s.short === word.slice(1));
  return undefined;
}

/** The words after the command that are not flags or their values. */
function argumentsOf(words: readonly string[], specs: readonly FlagSpec[]): string[] {
  try {
    return parseArgs(words, specs).positionals;
  } catch {
    return words.filter((w) => !w.startsWith("-"));
  }
}

/** The candidates for the last of `words` (the word being completed, maybe ""). */
async function candidates(
  ctx: Context,
  registry: CommandRegistry,
  all: readonly string[],
): Promise<string[]> {
  const words = all.slice(0, -1);
  let current = all.at(-1) ?? "";
  if (current === "=") {
    words.push("=");
    current = "";
  }
  const lead = leadingWords(words, GLOBAL_FLAGS, 3);
  const command = registry.find(lead.map((w) => w.word));
  const specs = [...GLOBAL_FLAGS, ...(command?.flags ?? [])];
  // `--dry-run=` as one word (zsh) or split at `=` (bash): the flag's values.
  const eq = current.indexOf("=");
  if (current.startsWith("--") && eq > 0) {
    const spec = flagNamed(current.slice(0, eq), specs);
    return spec ? flagValues(spec).map((v) => `${current.slice(0, eq)}=${v}`) : [];
  }
  const previous = words.at(-1) ?? "";
  if (previous === "=") {
    const spec = flagNamed(words.at(-2) ?? "", specs);
    return spec ? [...flagValues(spec)] : [];
  }
  if (current.startsWith("-")) return flagWords(command?.flags ?? []).concat(flagWords(GLOBAL_FLAGS));
  const valueOf = flagNamed(previous, specs);
  if (valueOf && valueOf.type !== "bool" && valueOf.noOptDefault === undefined) {
    if (valueOf.name === "namespace") return names(ctx, "namespaces");
    return [...flagValues(valueOf)];
  }
  if (!command) {
    const first = lead[0]?.word;
    if (first && registry.isGroup(first) && lead.length === 1)
      return registry.children([first]).map((c) => c.path.at(-1) ?? "");
    return lead.length === 0 ? registry.topLevel().map((c) => c.name) : [];
  }
  const skip = new Set(lead.slice(0, command.path.length).map((w) => w.at));
  const args = argumentsOf(
    words.filter((w, i) => !skip.has(i) && w !== "="),
    specs,
  );
  const verb = command.path.join(" ");
  const fixed = OBJECT_VERBS[verb];
  if (fixed) return verb === "exec" && args.length > 0 ? [] : names(ctx, fixed);
  if (!TYPED_VERBS.has(verb)) return [];
  const discovery = await ctx.discovery();
  const [type] = args;
  if (type === undefined) return discovery.resources.map((r) => r.resource);
  const resource = discovery.tryResolve(type);
  return resource ? names(ctx, resource) : [];
}

async function names(ctx: Context, what: string | ApiResource): Promise<string[]> {
  const resource = typeof what === "string" ? (await ctx.discovery()).resolve(what) : what;
  const list = await ctx
    .client()
    .request<{ items?: { metadata?: { name?: string } }[] }>(
      "GET",
      resourcePath(resource, resource.namespaced ? ctx.namespace() : undefined),
    );
  return (list.items ?? []).map((i) => i.metadata?.name ?? "");
}

export function completeCommand(registry: CommandRegistry): Command {
  return {
    path: ["__complete"],
    hidden: true,
    summary: "Completion candidates",
    usage: "ktl __complete -- WORDS... CURRENT",
    run: async (ctx, args) => {
      // The words' own global flags (-n, --kubeconfig, --context) say where to look up names.
      let words = ctx;
      try {
        const { flags } = parseArgs(
          args.slice(0, -1).filter((w) => w !== "="),
          [...GLOBAL_FLAGS, ...registry.all().flatMap((c) => c.flags ?? [])],
        );
        words = new Context(ctx.io, flags, ctx.commandName);
      } catch {
        // Half-typed flags: complete with the defaults.
      }
      const found = await candidates(words, registry, args);
      ctx.out(found.map((c) => `${c}\n`).join(""));
    },
  };
}
