/** `ktl version [--client] [-o json|yaml]`: ours and the server's `/version`. */
import { readFileSync } from "node:fs";
import { CliError } from "../cli/errors.js";
import type { Command } from "../cli/registry.js";
import { toJson } from "../printers/json.js";
import { toYaml } from "../printers/yaml.js";

function clientVersion(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return {
    gitVersion: `v${pkg.version}`,
    goVersion: `node${process.versions.node}`,
    platform: `${process.platform}/${process.arch}`,
  };
}

export const versionCommand: Command = {
  path: ["version"],
  summary: "Print the client and server version information",
  usage: "ktl version [flags]",
  flags: [
    { name: "client", type: "bool", help: "If true, shows client version only (no server required)." },
    { name: "output", short: "o", type: "string", help: "One of 'yaml' or 'json'." },
  ],
  run: async (ctx, _args, flags) => {
    const output = flags.string("output");
    if (output !== "" && output !== "json" && output !== "yaml")
      throw new CliError(`--output must be 'yaml' or 'json'`);
    const client = clientVersion();
    let server: Record<string, string> | undefined;
    let failure: Error | undefined;
    if (!flags.bool("client")) {
      try {
        server = await ctx.client().request<Record<string, string>>("GET", "/version");
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
      }
    }
    const data = { clientVersion: client, ...(server ? { serverVersion: server } : {}) };
    if (output === "json") ctx.out(toJson(data));
    else if (output === "yaml") ctx.out(toYaml(data));
    else {
      ctx.out(`Client Version: ${client.gitVersion}\n`);
      if (server) ctx.out(`Server Version: ${server.gitVersion}\n`);
    }
    if (failure) throw failure;
  },
};
