/** `ktl api-resources`: the served resources from discovery, as kubectl lists them. */
import type { Command } from "../cli/registry.js";
import { GET_TABLE, tabulate } from "../printers/tabwriter.js";

export const apiResourcesCommand: Command = {
  path: ["api-resources"],
  summary: "Print the supported API resources on the server",
  usage: "ktl api-resources [flags]",
  flags: [
    { name: "output", short: "o", type: "string", help: "Output format. One of: (wide, name)." },
    { name: "namespaced", type: "string", help: "If false, non-namespaced resources will be returned." },
    { name: "api-group", type: "string", help: "Limit to resources in the specified API group." },
    {
      name: "no-headers",
      type: "bool",
      help: "When using the default or custom-column output format, don't print headers.",
    },
    {
      name: "sort-by",
      type: "string",
      help: "If non-empty, sort list of resources using specified field. One of (name, kind).",
    },
    { name: "verbs", type: "strings", help: "Limit to resources that support the specified verbs." },
  ],
  run: async (ctx, _args, flags) => {
    let list = [...(await ctx.discovery()).resources];
    if (flags.has("namespaced"))
      list = list.filter((r) => String(r.namespaced) === flags.string("namespaced"));
    if (flags.has("api-group")) list = list.filter((r) => r.group === flags.string("api-group"));
    const verbs = flags.strings("verbs");
    if (verbs.length > 0) list = list.filter((r) => verbs.every((v) => r.verbs.includes(v)));
    const sortBy = flags.string("sort-by");
    if (sortBy === "name" || sortBy === "kind") {
      const key = (r: (typeof list)[number]): string => (sortBy === "name" ? r.resource : r.kind);
      list.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    }
    const output = flags.string("output");
    if (output === "name") {
      ctx.out(list.map((r) => `${r.group ? `${r.resource}.${r.group}` : r.resource}\n`).join(""));
      return;
    }
    const wide = output === "wide";
    let text = flags.bool("no-headers")
      ? ""
      : `NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND${wide ? "\tVERBS\tCATEGORIES" : ""}\n`;
    for (const r of list) {
      text += `${r.resource}\t${r.shortNames.join(",")}\t${r.groupVersion}\t${r.namespaced}\t${r.kind}`;
      if (wide) text += `\t${r.verbs.join(",")}\t${r.categories.join(",")}`;
      text += "\n";
    }
    ctx.out(tabulate(text, GET_TABLE));
  },
};
