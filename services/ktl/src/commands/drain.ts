/**
 * `ktl drain NODE`: cordons the node, then evicts (or, where the server has
 * no eviction subresource, deletes) its pods — refusing DaemonSet pods
 * without --ignore-daemonsets and unmanaged pods without --force, skipping
 * mirror pods — and waits until they are gone or --timeout passes; with
 * --dry-run it says what it would evict (client) or lets the server check
 * each eviction without doing it (server).
 */
import type { Context } from "../cli/context.js";
import { DRY_RUN_FLAG, dryRunQuery, dryRunStrategy, dryRunSuffix, type DryRun } from "../cli/dry-run.js";
import { parseDuration } from "../cli/duration.js";
import { CliError } from "../cli/errors.js";
import type { Flags } from "../cli/flags.js";
import type { Command } from "../cli/registry.js";
import { pollUntil } from "../cli/wait.js";
import { isNotFound } from "../client/rest.js";
import type { OwnerReference, Pod } from "@ktl/api";
import { setUnschedulable } from "./cordon.js";

const MIRROR = "kubernetes.io/config.mirror";

function controller(pod: Pod): OwnerReference | undefined {
  return (pod.metadata?.ownerReferences ?? []).find((r) => r.controller);
}

const podPath = (pod: Pod): string =>
  `/api/v1/namespaces/${pod.metadata?.namespace ?? ""}/pods/${pod.metadata?.name ?? ""}`;

const id = (pod: Pod): string => `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;

async function drainNode(ctx: Context, node: string, flags: Flags, dryRun: DryRun): Promise<void> {
  await setUnschedulable(ctx, node, true, dryRun);
  const list = await ctx.client().request<{ items?: Pod[] }>("GET", "/api/v1/pods", {
    query: { fieldSelector: `spec.nodeName=${node}`, labelSelector: flags.string("pod-selector") },
  });
  const errors: string[] = [];
  const warnings: string[] = [];
  const daemonSet: string[] = [];
  const unmanaged: string[] = [];
  const local: string[] = [];
  const doomed: Pod[] = [];
  for (const pod of list.items ?? []) {
    if (pod.metadata?.annotations?.[MIRROR]) continue;
    const finished = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
    const owner = controller(pod);
    if (!finished && owner?.kind === "DaemonSet") {
      daemonSet.push(id(pod));
      continue;
    }
    if (!finished && !owner) unmanaged.push(id(pod));
    if (!finished && (pod.spec?.volumes ?? []).some((v) => v.emptyDir)) local.push(id(pod));
    doomed.push(pod);
  }
  if (daemonSet.length > 0) {
    if (flags.bool("ignore-daemonsets"))
      warnings.push(`ignoring DaemonSet-managed Pods: ${daemonSet.join(", ")}`);
    else
      errors.push(
        `cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ${daemonSet.join(", ")}`,
      );
  }
  if (unmanaged.length > 0) {
    if (flags.bool("force"))
      warnings.push(`deleting Pods that declare no controller: ${unmanaged.join(", ")}`);
    else
      errors.push(
        `cannot delete Pods that declare no controller (use --force to override): ${unmanaged.join(", ")}`,
      );
  }
  if (local.length > 0 && !flags.bool("delete-emptydir-data"))
    errors.push(
      `cannot delete Pods with local storage (use --delete-emptydir-data to override): ${local.join(", ")}`,
    );
  if (errors.length > 0) {
    const text = errors.join(", ");
    throw new CliError(
      `unable to drain node "${node}" due to error: ${text}, continuing command...\nThere are pending nodes to be drained:\n ${node}\n${text}`,
    );
  }
  for (const w of warnings) ctx.err(`Warning: ${w}\n`);
  const suffix = dryRunSuffix(dryRun);
  if (dryRun === "client") {
    // As kubectl: say what would be evicted, touch nothing.
    for (const pod of doomed) ctx.out(`evicting pod ${id(pod)}${suffix}\n`);
    ctx.out(`node/${node} drained${suffix}\n`);
    return;
  }
  const discovery = await ctx.discovery();
  const evict =
    discovery.resources
      .find((r) => r.resource === "pods" && r.group === "")
      ?.subresources.includes("eviction") ?? false;
  const grace = flags.int("grace-period");
  const deleteOptions = {
    kind: "DeleteOptions",
    apiVersion: "v1",
    ...(grace >= 0 ? { gracePeriodSeconds: grace } : {}),
  };
  const uids = new Map<Pod, string>();
  for (const pod of doomed) {
    const path = podPath(pod);
    uids.set(pod, pod.metadata?.uid ?? "");
    try {
      const query = dryRunQuery(dryRun);
      if (evict) {
        ctx.err(`evicting pod ${id(pod)}\n`);
        await ctx.client().request("POST", `${path}/eviction`, {
          body: { apiVersion: "policy/v1", kind: "Eviction", metadata: pod.metadata, deleteOptions },
          query,
        });
      } else {
        await ctx.client().request("DELETE", path, { body: deleteOptions, query });
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  if (dryRun === "server") {
    // Nothing goes away in a server dry run: nothing to wait for.
    for (const pod of doomed)
      ctx.out(`pod/${pod.metadata?.name ?? ""} ${evict ? "evicted" : "deleted"}${suffix}\n`);
    ctx.out(`node/${node} drained${suffix}\n`);
    return;
  }
  const timeoutMs = parseDuration(flags.string("timeout") || "0s", "timeout");
  const pending = new Set(doomed);
  const done = await pollUntil(async () => {
    for (const pod of [...pending]) {
      try {
        const live = await ctx.client().request<Pod>("GET", podPath(pod));
        if (live.metadata?.uid === uids.get(pod)) continue;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      pending.delete(pod);
      ctx.out(`pod/${pod.metadata?.name ?? ""} ${evict ? "evicted" : "deleted"}\n`);
    }
    return pending.size === 0;
  }, timeoutMs);
  if (!done) {
    const left = [...pending].map((p) => `pod/${p.metadata?.name ?? ""}`).join("\n");
    throw new CliError(
      `unable to drain node "${node}" due to error: There are pending pods in node "${node}" when an error occurred: timed out waiting for the condition\n${left}`,
    );
  }
  ctx.out(`node/${node} drained\n`);
}

export const drainCommand: Command = {
  path: ["drain"],
  summary: "Drain node in preparation for maintenance",
  usage: "ktl drain NODE [flags]",
  flags: [
    { name: "ignore-daemonsets", type: "bool", help: "Ignore DaemonSet-managed pods." },
    {
      name: "force",
      type: "bool",
      help: "Continue even if there are pods that do not declare a controller.",
    },
    { name: "delete-emptydir-data", type: "bool", help: "Continue even if there are pods using emptyDir." },
    {
      name: "grace-period",
      type: "int",
      default: -1,
      help: "Period of time in seconds given to each pod to terminate gracefully.",
    },
    {
      name: "timeout",
      type: "string",
      default: "0s",
      help: "The length of time to wait before giving up, zero means infinite",
    },
    { name: "pod-selector", type: "string", help: "Label selector to filter pods on the node" },
    DRY_RUN_FLAG,
  ],
  run: async (ctx, args, flags) => {
    const [node, ...extra] = args;
    if (!node || extra.length > 0) throw new CliError("USAGE: drain NODE [flags]");
    await drainNode(ctx, node.replace(/^(nodes?|no)\//, ""), flags, dryRunStrategy(ctx, flags));
  },
};
