/**
 * `ktl config view|use-context|set-context|current-context|get-contexts`
 * over the same kubeconfig files kubectl uses, with kubectl's messages.
 */
import { CliError } from "../cli/errors.js";
import type { Command } from "../cli/registry.js";
import type { KubeconfigFile } from "../client/kubeconfig.js";
import { parseOutput, printObjects } from "../printers/output.js";
import { GET_TABLE, tabulate } from "../printers/tabwriter.js";

const SECRET_DATA = ["certificate-authority-data", "client-certificate-data", "client-key-data"];
const SECRET_TEXT = ["token", "password"];

function redact(view: KubeconfigFile): KubeconfigFile {
  const scrub = (entry: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(entry).map(([k, v]) => [
        k,
        SECRET_DATA.includes(k) ? "DATA+OMITTED" : SECRET_TEXT.includes(k) ? "REDACTED" : v,
      ]),
    );
  return {
    ...view,
    clusters: (view.clusters ?? []).map((c) => ({ ...c, cluster: scrub({ ...(c.cluster ?? {}) }) })),
    users: (view.users ?? []).map((u) => ({ ...u, user: scrub({ ...(u.user ?? {}) }) })),
  };
}

export const configViewCommand: Command = {
  path: ["config", "view"],
  summary: "Display merged kubeconfig settings or a specified kubeconfig file",
  usage: "ktl config view [flags]",
  flags: [
    {
      name: "minify",
      type: "bool",
      help: "Remove all information not used by current-context from the output",
    },
    { name: "raw", type: "bool", help: "Display raw byte data and sensitive data" },
    {
      name: "output",
      short: "o",
      type: "string",
      default: "yaml",
      help: "Output format: yaml, json, jsonpath=...",
    },
  ],
  run: (ctx, _args, flags) => {
    let view = ctx.kubeconfig().view();
    if (flags.bool("minify")) {
      const name = ctx.contextName();
      if (!name) throw new CliError("current-context must exist in order to minify");
      const context = (view.contexts ?? []).find((c) => c.name === name);
      view = {
        ...view,
        "current-context": name,
        contexts: context ? [context] : [],
        clusters: (view.clusters ?? []).filter((c) => c.name === context?.context?.cluster),
        users: (view.users ?? []).filter((u) => u.name === context?.context?.user),
      };
    }
    if (!flags.bool("raw")) view = redact(view);
    const format = parseOutput(flags.string("output"));
    if (format.kind === "table")
      throw new CliError(
        `unable to match a printer suitable for the output format "${flags.string("output")}"`,
      );
    ctx.out(printObjects(format, [view], true));
    return Promise.resolve();
  },
};

export const useContextCommand: Command = {
  path: ["config", "use-context"],
  aliases: ["use"],
  summary: "Set the current-context in a kubeconfig file",
  usage: "ktl config use-context CONTEXT_NAME [flags]",
  run: async (ctx, args) => {
    const [name] = args;
    if (!name) throw new CliError("empty context names are not allowed");
    if (!ctx.kubeconfig().context(name)) throw new CliError(`no context exists with the name: "${name}"`);
    ctx.kubeconfig().setCurrentContext(name);
    ctx.out(`Switched to context "${name}".\n`);
    return Promise.resolve();
  },
};

export const setContextCommand: Command = {
  path: ["config", "set-context"],
  summary: "Set a context entry in kubeconfig",
  usage:
    "ktl config set-context [NAME | --current] [--cluster=cluster_nickname] [--user=user_nickname] [--namespace=namespace] [flags]",
  flags: [{ name: "current", type: "bool", help: "Modify the current context" }],
  run: async (ctx, args, flags) => {
    const kc = ctx.kubeconfig();
    let name = args[0] ?? "";
    if (flags.bool("current")) {
      if (name) throw new CliError("you cannot specify a context name and --current");
      name = kc.currentContext();
      if (!name) throw new CliError("no current context is set");
    }
    if (!name) throw new CliError("you must specify a non-empty context name or --current");
    const exists = kc.context(name) !== undefined;
    const value = (flag: string): string | undefined => (flags.has(flag) ? flags.string(flag) : undefined);
    kc.setContext(name, { cluster: value("cluster"), user: value("user"), namespace: value("namespace") });
    ctx.out(`Context "${name}" ${exists ? "modified" : "created"}.\n`);
    return Promise.resolve();
  },
};

export const currentContextCommand: Command = {
  path: ["config", "current-context"],
  summary: "Display the current-context",
  usage: "ktl config current-context [flags]",
  run: async (ctx) => {
    const name = ctx.kubeconfig().currentContext();
    if (!name) throw new CliError("current-context is not set");
    ctx.out(`${name}\n`);
    return Promise.resolve();
  },
};

export const getContextsCommand: Command = {
  path: ["config", "get-contexts"],
  summary: "Describe one or many contexts",
  usage: "ktl config get-contexts [(-o|--output=)name)] [flags]",
  flags: [
    { name: "output", short: "o", type: "string", help: "Output format. One of: (name)." },
    { name: "no-headers", type: "bool", help: "When using the default output format, don't print headers." },
  ],
  run: async (ctx, args, flags) => {
    const kc = ctx.kubeconfig();
    const current = kc.currentContext();
    let contexts = kc.contexts();
    if (args.length > 0) {
      const missing = args.filter((a) => !contexts.some((c) => c.name === a));
      if (missing.length > 0)
        throw new CliError(`context ${missing.map((m) => `${m}`).join(", ")} not found`);
      contexts = contexts.filter((c) => args.includes(c.name));
    }
    if (flags.string("output") === "name") {
      ctx.out(contexts.map((c) => `${c.name}\n`).join(""));
      return;
    }
    let text = flags.bool("no-headers") ? "" : "CURRENT\tNAME\tCLUSTER\tAUTHINFO\tNAMESPACE\n";
    for (const c of [...contexts].sort((a, b) => (a.name < b.name ? -1 : 1)))
      text += `${c.name === current ? "*" : ""}\t${c.name}\t${c.context.cluster ?? ""}\t${c.context.user ?? ""}\t${c.context.namespace ?? ""}\n`;
    ctx.out(tabulate(text, GET_TABLE));
    return Promise.resolve();
  },
};
