/**
 * `ktl cordon|uncordon NODE`: flips spec.unschedulable, printing
 * `node/n1 cordoned` or `node/n1 already cordoned` as kubectl does.
 */
import type { Context } from "../cli/context.js";
import { DRY_RUN_FLAG, dryRunQuery, dryRunStrategy, dryRunSuffix, type DryRun } from "../cli/dry-run.js";
import { CliError } from "../cli/errors.js";
import type { Command } from "../cli/registry.js";
import type { Node, NodeList } from "@ktl/api";

/** Sets a node's unschedulable flag and prints the outcome. */
export async function setUnschedulable(
  ctx: Context,
  name: string,
  desired: boolean,
  dryRun: DryRun = "none",
): Promise<void> {
  const path = `/api/v1/nodes/${encodeURIComponent(name)}`;
  const node = await ctx.client().request<Node>("GET", path);
  const verb = desired ? "cordoned" : "uncordoned";
  const suffix = dryRunSuffix(dryRun);
  if ((node.spec?.unschedulable === true) === desired) {
    ctx.out(`node/${name} already ${verb}${suffix}\n`);
    return;
  }
  if (dryRun !== "client")
    await ctx.client().request("PATCH", path, {
      body: { spec: { unschedulable: desired ? true : null } },
      contentType: "application/strategic-merge-patch+json",
      query: dryRunQuery(dryRun),
    });
  ctx.out(`node/${name} ${verb}${suffix}\n`);
}

async function nodeNames(ctx: Context, args: string[], selector: string): Promise<string[]> {
  if (selector) {
    const list = await ctx
      .client()
      .request<NodeList>("GET", "/api/v1/nodes", { query: { labelSelector: selector } });
    return list.items.map((n) => n.metadata?.name ?? "");
  }
  if (args.length === 0) throw new CliError("USAGE: cordon NODE [flags]");
  return args.map((a) => a.replace(/^(nodes?|no)\//, ""));
}

function command(desired: boolean): Command {
  const verb = desired ? "cordon" : "uncordon";
  return {
    path: [verb],
    summary: desired ? "Mark node as unschedulable" : "Mark node as schedulable",
    usage: `ktl ${verb} NODE [flags]`,
    flags: [
      { name: "selector", short: "l", type: "string", help: "Selector (label query) to filter on" },
      DRY_RUN_FLAG,
    ],
    run: async (ctx, args, flags) => {
      const dryRun = dryRunStrategy(ctx, flags);
      for (const name of await nodeNames(ctx, args, flags.string("selector")))
        await setUnschedulable(ctx, name, desired, dryRun);
    },
  };
}

export const cordonCommand = command(true);
export const uncordonCommand = command(false);
