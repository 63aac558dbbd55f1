/**
 * `ktl describe`: TYPE [NAME_PREFIX], TYPE/NAME, -l or -f; one describer
 * per kind laid out as kubectl's, a generic one for the rest. As in kubectl,
 * a NAME that matches no object exactly describes every object whose name
 * starts with it.
 */
import type { Context } from "../cli/context.js";
import { SilentError } from "../cli/errors.js";
import type { Flags } from "../cli/flags.js";
import type { Command } from "../cli/registry.js";
import { serverErrorMessage } from "../cli/report.js";
import { resourcePath } from "../client/paths.js";
import { ApiError, isNotFound } from "../client/rest.js";
import { resolveTargets, type Target } from "../client/targets.js";
import { describeGeneric, describeNamespace, describeNode, describeService } from "../describe/cluster.js";
import type { KObject } from "../describe/common.js";
import { describeDeployment, describePod, describeReplicaSet } from "../describe/workloads.js";

type Describer = (ctx: Context, obj: KObject) => Promise<string>;

const DESCRIBERS: Record<string, Describer> = {
  "/Pod": describePod,
  "apps/Deployment": describeDeployment,
  "apps/ReplicaSet": describeReplicaSet,
  "/Node": describeNode,
  "/Service": describeService,
  "/Namespace": describeNamespace,
};

async function objectsFor(ctx: Context, target: Target, flags: Flags): Promise<KObject[]> {
  const client = ctx.client();
  const list = async (): Promise<KObject[]> =>
    (
      await client.request<{ items?: KObject[] }>("GET", resourcePath(target.resource, target.namespace), {
        query: { labelSelector: flags.string("selector") },
      })
    ).items ?? [];
  if (target.name === undefined) return list();
  try {
    return [
      await client.request<KObject>("GET", resourcePath(target.resource, target.namespace, target.name)),
    ];
  } catch (err) {
    if (!isNotFound(err) || target.object) throw err;
    const matches = (await list()).filter((o) =>
      String(o.metadata?.name ?? "").startsWith(target.name ?? ""),
    );
    if (matches.length === 0) throw err;
    return matches;
  }
}

export const describeCommand: Command = {
  path: ["describe"],
  summary: "Show details of a specific resource or group of resources",
  usage: "ktl describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME) [flags]",
  flags: [
    { name: "filename", short: "f", type: "strings", help: "Files identifying the resources to describe." },
    { name: "recursive", short: "R", type: "bool", help: "Process the directory used in -f recursively." },
    { name: "selector", short: "l", type: "string", help: "Selector (label query) to filter on." },
    {
      name: "all-namespaces",
      short: "A",
      type: "bool",
      help: "List the requested object(s) across all namespaces.",
    },
  ],
  run: async (ctx, args, flags) => {
    const targets = await resolveTargets(ctx, args, {
      filenames: flags.strings("filename"),
      recursive: flags.bool("recursive"),
      allNamespaces: flags.bool("all-namespaces"),
      verb: "describe",
    });
    let printed = 0;
    let failed = false;
    for (const target of targets) {
      let objects: KObject[];
      try {
        objects = await objectsFor(ctx, target, flags);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        ctx.err(serverErrorMessage(err) + "\n");
        failed = true;
        continue;
      }
      const describer = DESCRIBERS[`${target.resource.group}/${target.resource.kind}`] ?? describeGeneric;
      for (const obj of objects) {
        const typed = { apiVersion: target.resource.groupVersion, kind: target.resource.kind, ...obj };
        const text = await describer(ctx, typed);
        ctx.out((printed++ > 0 ? "\n\n" : "") + text);
      }
      if (objects.length === 0 && target.name === undefined && !failed) {
        const r = target.resource;
        ctx.err(
          r.namespaced && target.namespace
            ? `No resources found in ${target.namespace} namespace.\n`
            : `No resources found\n`,
        );
      }
    }
    if (failed) throw new SilentError();
  },
};
