/**
 * `ktl completion bash|zsh` prints a script that asks the hidden
 * `ktl __complete WORDS…` for candidates: verbs, resource types from
 * discovery, then object names from the server.
 */
import { CliError } from "../cli/errors.js";
import type { Command, CommandRegistry } from "../cli/registry.js";
import { resourcePath } from "../client/paths.js";

const BASH = `# ktl bash completion: source <(ktl completion bash)
_ktl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\\n'
  COMPREPLY=( $(compgen -W "$(ktl __complete "\${COMP_WORDS[@]:1:COMP_CWORD-1}" 2>/dev/null)" -- "$cur") )
}
complete -o default -F _ktl ktl
`;

const ZSH = `#compdef ktl
# ktl zsh completion: source <(ktl completion zsh)
_ktl() {
  local -a completions
  completions=("\${(@f)$(ktl __complete \${words[2,CURRENT-1]} 2>/dev/null)}")
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

const TYPED_VERBS = new Set(["get", "describe", "delete", "edit", "label", "annotate", "scale"]);

export function completeCommand(registry: CommandRegistry): Command {
  return {
    path: ["__complete"],
    hidden: true,
    summary: "Completion candidates",
    usage: "ktl __complete WORDS...",
    run: async (ctx, args) => {
      const words = args.filter((a) => !a.startsWith("-"));
      if (words.length === 0) {
        ctx.out(
          registry
            .topLevel()
            .map((c) => `${c.name}\n`)
            .join(""),
        );
        return;
      }
      const [verb, type] = words;
      if (verb && registry.isGroup(verb) && words.length === 1) {
        ctx.out(
          registry
            .children([verb])
            .map((c) => `${c.path.at(-1)}\n`)
            .join(""),
        );
        return;
      }
      if (!verb || !TYPED_VERBS.has(verb)) return;
      const discovery = await ctx.discovery();
      if (type === undefined) {
        ctx.out(discovery.resources.map((r) => `${r.resource}\n`).join(""));
        return;
      }
      const resource = discovery.tryResolve(type);
      if (!resource) return;
      const list = await ctx
        .client()
        .request<{ items?: { metadata?: { name?: string } }[] }>(
          "GET",
          resourcePath(resource, resource.namespaced ? ctx.namespace() : undefined),
        );
      ctx.out((list.items ?? []).map((i) => `${i.metadata?.name}\n`).join(""));
    },
  };
}
