/**
 * `ktl exec (POD | TYPE/NAME) [-c CONTAINER] -- COMMAND [args...]`: runs a
 * command in a container through the pod's `exec` subresource (kubectl's
 * WebSocket remotecommand protocol), copies its stdout and stderr, and exits
 * with its exit code. Non-interactive only: -i and -t are refused for now.
 */
import type { Pod } from "@ktl/api";
import type { Context } from "../cli/context.js";
import { CliError } from "../cli/errors.js";
import type { Flags } from "../cli/flags.js";
import type { Command } from "../cli/registry.js";
import { streamRemoteCommand } from "../client/remotecommand.js";
import { attachablePod } from "./pod-target.js";

const DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container";

/** kubectl's usage errors for exec end with this pointer to the help. */
const usage = (message: string): CliError =>
  new CliError(`${message}\nSee 'ktl exec -h' for help and examples`);

/** Splits `POD -- CMD...` as kubectl does; the command is what follows `--`. */
export function splitExecArgs(
  args: readonly string[],
  argsLenAtDash: number,
): { pod: string; command: string[] } {
  if (argsLenAtDash < 0 && args.length > 1)
    throw usage("exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead");
  const pod = args[0];
  if (pod === undefined || argsLenAtDash === 0)
    throw new CliError("pod, type/name or --filename must be specified");
  const command = argsLenAtDash < 0 ? [] : args.slice(argsLenAtDash);
  if (command.length === 0) throw new CliError("you must specify at least one command for the container");
  return { pod, command };
}

/** all container names as kubectl lists them when it picks one: `a, b, i (init)`. */
function containerNames(pod: Pod): string {
  return [
    ...(pod.spec?.containers ?? []).map((c) => c.name ?? ""),
    ...(pod.spec?.initContainers ?? []).map((c) => `${c.name ?? ""} (init)`),
  ].join(", ");
}

/** -c, else the default-container annotation, else the first container (said aloud when there are several). */
export function chooseContainer(ctx: Context, pod: Pod, flag: string, quiet: boolean): string {
  if (flag) return flag;
  const containers = pod.spec?.containers ?? [];
  const annotated = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (annotated && containers.some((c) => c.name === annotated)) return annotated;
  const first = containers[0]?.name ?? "";
  if (containers.length > 1 && !quiet)
    ctx.err(`Defaulted container "${first}" out of: ${containerNames(pod)}\n`);
  return first;
}

async function run(ctx: Context, args: string[], flags: Flags): Promise<void> {
  const { pod: arg, command } = splitExecArgs(args, flags.argsLenAtDash);
  if (flags.bool("stdin") || flags.bool("tty"))
    throw new CliError(
      "ktl exec: -i/--stdin and -t/--tty are not supported yet; run a non-interactive command",
    );
  const { namespace, name, pod } = await attachablePod(ctx, arg, "exec into");
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed")
    throw new CliError(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  const container = chooseContainer(ctx, pod, flags.string("container"), flags.bool("quiet"));
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/exec`;
  await streamRemoteCommand(
    ctx.client(),
    path,
    { command, container, stdout: "true", stderr: "true" },
    { stdout: ctx.io.stdout, stderr: ctx.io.stderr },
  );
}

export const execCommand: Command = {
  path: ["exec"],
  summary: "Execute a command in a container",
  usage: "ktl exec (POD | TYPE/NAME) [-c CONTAINER] -- COMMAND [args...]",
  flags: [
    {
      name: "container",
      short: "c",
      type: "string",
      help: "Container name. If omitted, use the kubectl.kubernetes.io/default-container annotation, else the first container.",
    },
    { name: "quiet", short: "q", type: "bool", help: "Only print output from the remote session" },
    { name: "stdin", short: "i", type: "bool", help: "Pass stdin to the container (not supported yet)" },
    { name: "tty", short: "t", type: "bool", help: "Stdin is a TTY (not supported yet)" },
  ],
  run,
};
