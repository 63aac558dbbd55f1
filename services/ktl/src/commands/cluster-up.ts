/**
 * `ktl cluster up [--nodes N] [--proxy-mode userspace|nftables] [--timeout 5m]`:
 * a local cluster on this machine under $KTL_HOME (see cluster/up.ts).
 */
import { parseDuration } from "../cli/duration.js";
import type { Flags } from "../cli/flags.js";
import type { Command } from "../cli/registry.js";
import { ktlHome } from "../cluster/home.js";
import { DEFAULT_SETTINGS, type ProxyMode, type SettingsOverrides } from "../cluster/settings.js";
import { clusterUp } from "../cluster/up.js";

/** The settings given on the command line; the rest come from the previous `up` or the defaults. */
export function upOverrides(flags: Flags): SettingsOverrides {
  const out: SettingsOverrides = {};
  if (flags.has("nodes")) out.nodes = flags.int("nodes");
  if (flags.has("proxy-mode")) out.proxyMode = flags.string("proxy-mode") as ProxyMode;
  if (flags.has("cluster-cidr")) out.clusterCidr = flags.string("cluster-cidr");
  if (flags.has("node-prefix")) out.nodePrefix = flags.string("node-prefix");
  if (flags.has("port-offset")) out.portOffset = flags.int("port-offset");
  return out;
}

export const clusterUpCommand: Command = {
  path: ["cluster", "up"],
  summary: "Start a local cluster on this machine (or what of it is not running)",
  usage: "ktl cluster up [--nodes N] [--proxy-mode userspace|nftables] [--timeout 5m] [flags]",
  flags: [
    {
      name: "nodes",
      type: "int",
      default: DEFAULT_SETTINGS.nodes,
      help: "Number of nodes (ktl-node-1 … ktl-node-N).",
    },
    {
      name: "proxy-mode",
      type: "string",
      default: DEFAULT_SETTINGS.proxyMode,
      help: "kube-proxy's mode, userspace or nftables (recorded; kube-proxy is not part of the cluster yet).",
    },
    { name: "timeout", type: "string", default: "5m", help: "How long to wait for everything to be up." },
    {
      name: "cluster-cidr",
      type: "string",
      default: DEFAULT_SETTINGS.clusterCidr,
      help: "The pods' range; each node gets a /24 of it.",
    },
    {
      name: "node-prefix",
      type: "string",
      default: DEFAULT_SETTINGS.nodePrefix,
      help: "Nodes are named PREFIX-1 … PREFIX-N.",
    },
    {
      name: "port-offset",
      type: "int",
      default: DEFAULT_SETTINGS.portOffset,
      help: "Added to every port (etcd 2379, apiserver 8080/8081, registry 5000, kubelets 10250, …), for a second cluster.",
    },
  ],
  run: async (ctx, args, flags) => {
    if (args.length > 0) throw new Error(`unexpected argument "${args[0]}"`);
    await clusterUp({
      home: ktlHome(ctx.io.env),
      env: ctx.io.env,
      overrides: upOverrides(flags),
      timeoutMs: parseDuration(flags.string("timeout"), "timeout"),
      say: (line) => ctx.out(`${line}\n`),
    });
  },
};
