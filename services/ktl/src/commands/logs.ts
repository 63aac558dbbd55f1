/**
 * `ktl logs POD | TYPE/NAME [-c CONTAINER] [-f] [--tail N] [--since 5m]
 * [--previous] [--timestamps]`: streams
 * `GET /api/v1/namespaces/{ns}/pods/{name}/log` to stdout; for a workload
 * (deploy/web, rs/x) it picks one of its pods as kubectl does.
 */
import type { Context } from "../cli/context.js";
import { parseDuration } from "../cli/duration.js";
import { CliError } from "../cli/errors.js";
import type { Flags } from "../cli/flags.js";
import type { Command } from "../cli/registry.js";
import { isNotFound } from "../client/rest.js";
import type { Pod } from "@ktl/api";
import { attachablePod } from "./pod-target.js";

async function podFor(ctx: Context, args: string[]): Promise<{ namespace: string; name: string; pod: Pod }> {
  const [first] = args;
  if (!first) throw new CliError("expected POD or TYPE/NAME is a required argument for the logs command");
  try {
    const found = await attachablePod(ctx, first, "get the logs from");
    if (found.candidates > 1) ctx.err(`Found ${found.candidates} pods, using pod/${found.name}\n`);
    return found;
  } catch (err) {
    // kubectl looks the pod up first and words a missing one this way.
    if (isNotFound(err) && /^((po|pods?)\/)?[^/]+$/.test(first))
      throw new CliError(
        `error from server (NotFound): pods "${first.replace(/^.*\//, "")}" not found in namespace "${ctx.namespace()}"`,
      );
    throw err;
  }
}

async function run(ctx: Context, args: string[], flags: Flags): Promise<void> {
  const { namespace, name, pod } = await podFor(ctx, args);
  const container = flags.string("container") || args[1] || "";
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map(
    (c) => c.name,
  );
  if (container && !containers.includes(container))
    throw new CliError(`container ${container} is not valid for pod ${name}`);
  const since = flags.string("since");
  const query: Record<string, string | undefined> = {
    container: container || undefined,
    follow: flags.bool("follow") ? "true" : undefined,
    previous: flags.bool("previous") ? "true" : undefined,
    timestamps: flags.bool("timestamps") ? "true" : undefined,
    tailLines: flags.int("tail") >= 0 ? String(flags.int("tail")) : undefined,
    sinceSeconds: since ? String(Math.max(1, Math.ceil(parseDuration(since, "since") / 1000))) : undefined,
    sinceTime: flags.string("since-time") || undefined,
    limitBytes: flags.int("limit-bytes") > 0 ? String(flags.int("limit-bytes")) : undefined,
  };
  const res = await ctx
    .client()
    .stream(
      "GET",
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/log`,
      {
        query,
        accept: "*/*",
      },
    );
  for await (const chunk of res) ctx.out((chunk as Buffer).toString("utf8"));
}

export const logsCommand: Command = {
  path: ["logs"],
  summary: "Print the logs for a container in a pod",
  usage: "ktl logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER] [flags]",
  flags: [
    { name: "follow", short: "f", type: "bool", help: "Specify if the logs should be streamed." },
    { name: "container", short: "c", type: "string", help: "Print the logs of this container" },
    {
      name: "previous",
      short: "p",
      type: "bool",
      help: "Print the logs for the previous instance of the container.",
    },
    { name: "timestamps", type: "bool", help: "Include timestamps on each line in the log output" },
    {
      name: "tail",
      type: "int",
      default: -1,
      help: "Lines of recent log file to display. Defaults to -1 (all).",
    },
    {
      name: "since",
      type: "string",
      help: "Only return logs newer than a relative duration like 5s, 2m, or 3h.",
    },
    { name: "since-time", type: "string", help: "Only return logs after a specific date (RFC3339)." },
    { name: "limit-bytes", type: "int", default: 0, help: "Maximum bytes of logs to return." },
  ],
  run,
};
