/**
 * `ktl get`: lists or fetches objects and prints them as kubectl does —
 * server-side Tables for the default and wide output, objects for
 * yaml/json/name/jsonpath/custom-columns — and with -w keeps watching.
 */
import type { Context } from "../cli/context.js";
import { CliError, SilentError } from "../cli/errors.js";
import type { Flags, FlagSpec } from "../cli/flags.js";
import type { Command } from "../cli/registry.js";
import { serverErrorMessage } from "../cli/report.js";
import { kindPrefix, type ApiResource } from "../client/discovery.js";
import { resourcePath } from "../client/paths.js";
import { ApiError, TABLE_ACCEPT } from "../client/rest.js";
import { resolveTargets } from "../client/targets.js";
import { age } from "../printers/age.js";
import { printObjects, parseOutput, type ApiObject, type OutputFormat } from "../printers/output.js";
import { sortObjects, sortTable } from "../printers/sort-by.js";
import { writeTable, type Table, type TableOptions } from "../printers/table.js";
import { GET_TABLE, Tabwriter } from "../printers/tabwriter.js";
import { watchGroup } from "./get-watch.js";

export const GET_FLAGS: readonly FlagSpec[] = [
  {
    name: "output",
    short: "o",
    type: "string",
    value: "FORMAT",
    help: "Output format: json, yaml, name, wide, jsonpath=..., custom-columns=...",
  },
  {
    name: "selector",
    short: "l",
    type: "string",
    help: "Selector (label query) to filter on, e.g. -l key1=value1",
  },
  {
    name: "field-selector",
    type: "string",
    help: "Selector (field query) to filter on, e.g. --field-selector key1=value1",
  },
  {
    name: "all-namespaces",
    short: "A",
    type: "bool",
    help: "List the requested object(s) across all namespaces.",
  },
  {
    name: "watch",
    short: "w",
    type: "bool",
    help: "After listing/getting the requested object, watch for changes.",
  },
  {
    name: "watch-only",
    type: "bool",
    help: "Watch for changes to the requested object(s), without listing/getting first.",
  },
  { name: "show-labels", type: "bool", help: "When printing, show all labels as the last column." },
  {
    name: "show-kind",
    type: "bool",
    help: "If present, list the resource type for the requested object(s).",
  },
  {
    name: "no-headers",
    type: "bool",
    help: "When using the default or custom-column output format, don't print headers.",
  },
  { name: "label-columns", short: "L", type: "strings", help: "Labels to present as columns." },
  {
    name: "filename",
    short: "f",
    type: "strings",
    help: "Files or directories identifying the resources to get.",
  },
  { name: "recursive", short: "R", type: "bool", help: "Process the directory used in -f recursively." },
  {
    name: "sort-by",
    type: "string",
    help: "If non-empty, sort list types using this field specification (a JSONPath expression, e.g. '{.metadata.name}').",
  },
  {
    name: "ignore-not-found",
    type: "bool",
    help: "If the requested object does not exist the command will return exit code 0.",
  },
];

/** One resource type in one namespace: a list, or some names. */
export interface Group {
  readonly resource: ApiResource;
  readonly namespace: string | undefined;
  readonly names: string[] | undefined;
}

function groupTargets(targets: Awaited<ReturnType<typeof resolveTargets>>): Group[] {
  const groups: Group[] = [];
  for (const t of targets) {
    const last = groups.find(
      (g) =>
        g.resource === t.resource &&
        g.namespace === t.namespace &&
        (g.names !== undefined) === (t.name !== undefined),
    );
    if (last && t.name !== undefined) last.names?.push(t.name);
    else if (!last)
      groups.push({
        resource: t.resource,
        namespace: t.namespace,
        names: t.name === undefined ? undefined : [t.name],
      });
  }
  return groups;
}

export function listQuery(flags: Flags): Record<string, string> {
  return { labelSelector: flags.string("selector"), fieldSelector: flags.string("field-selector") };
}

/** A client-side table (NAME, AGE) for a server that did not send one. */
function fallbackTable(objects: readonly ApiObject[]): Table {
  return {
    columnDefinitions: [
      { name: "Name", type: "string" },
      { name: "Age", type: "string" },
    ],
    rows: objects.map((o) => {
      const meta = o.metadata as { name?: string; creationTimestamp?: string } | undefined;
      return { cells: [meta?.name ?? "", age(meta?.creationTimestamp)], object: { metadata: meta } };
    }),
  };
}

function errorLine(ctx: Context, err: unknown, ignoreNotFound: boolean): boolean {
  if (!(err instanceof ApiError)) throw err;
  if (ignoreNotFound && err.code === 404) return false;
  ctx.err(serverErrorMessage(err) + "\n");
  return true;
}

async function fetchTable(
  ctx: Context,
  group: Group,
  flags: Flags,
  failed: { value: boolean },
): Promise<Table | undefined> {
  const client = ctx.client();
  const ignore = flags.bool("ignore-not-found");
  const toTable = (body: unknown): Table => {
    const b = body as Table & ApiObject & { items?: ApiObject[] };
    if (b.kind === "Table") return b;
    return fallbackTable(b.items ?? [b]);
  };
  // Sorting reads any field of the object, so the rows carry all of it. (kubectl
  // 1.32 sorts the rows of named objects without it, and so always fails there.)
  const includeObject = flags.string("sort-by") ? "Object" : undefined;
  if (group.names === undefined) {
    const body = await client.request<unknown>("GET", resourcePath(group.resource, group.namespace), {
      accept: TABLE_ACCEPT,
      query: { ...listQuery(flags), includeObject },
    });
    return toTable(body);
  }
  let table: Table | undefined;
  for (const name of group.names) {
    try {
      const one = toTable(
        await client.request<unknown>("GET", resourcePath(group.resource, group.namespace, name), {
          accept: TABLE_ACCEPT,
          query: { includeObject },
        }),
      );
      if (!table) table = { ...one, rows: [...(one.rows ?? [])] };
      else table.rows?.push(...(one.rows ?? []));
    } catch (err) {
      if (errorLine(ctx, err, ignore)) failed.value = true;
    }
  }
  return table;
}

/** The objects of a group, each with apiVersion and kind set (lists leave them out). */
export async function fetchObjects(
  ctx: Context,
  group: Group,
  options: { query: Record<string, string>; ignoreNotFound: boolean },
  failed: { value: boolean },
): Promise<{ items: ApiObject[]; resourceVersion: string }> {
  const client = ctx.client();
  const typed = (o: ApiObject): ApiObject => ({
    apiVersion: group.resource.groupVersion,
    kind: group.resource.kind,
    ...o,
  });
  if (group.names === undefined) {
    const list = await client.request<{ items?: ApiObject[]; metadata?: { resourceVersion?: string } }>(
      "GET",
      resourcePath(group.resource, group.namespace),
      { query: options.query },
    );
    return { items: (list.items ?? []).map(typed), resourceVersion: list.metadata?.resourceVersion ?? "" };
  }
  const items: ApiObject[] = [];
  for (const name of group.names) {
    try {
      items.push(
        typed(await client.request<ApiObject>("GET", resourcePath(group.resource, group.namespace, name))),
      );
    } catch (err) {
      if (errorLine(ctx, err, options.ignoreNotFound)) failed.value = true;
    }
  }
  return { items, resourceVersion: "" };
}

function noResourcesMessage(ctx: Context, groups: readonly Group[], allNamespaces: boolean): string {
  const namespaced = groups.some((g) => g.resource.namespaced);
  return namespaced && !allNamespaces
    ? `No resources found in ${ctx.namespace()} namespace.\n`
    : "No resources found\n";
}

export function tableOptions(
  flags: Flags,
  format: OutputFormat,
  withKind: boolean,
  resource: ApiResource,
): TableOptions {
  return {
    wide: format.kind === "table" && format.wide,
    noHeaders: flags.bool("no-headers"),
    withNamespace: flags.bool("all-namespaces") && resource.namespaced,
    kindPrefix: withKind ? kindPrefix(resource) : undefined,
    showLabels: flags.bool("show-labels"),
    labelColumns: flags.strings("label-columns"),
  };
}

async function run(ctx: Context, args: string[], flags: Flags): Promise<void> {
  const format = parseOutput(flags.string("output"));
  const allNamespaces = flags.bool("all-namespaces");
  const targets = await resolveTargets(ctx, args, {
    filenames: flags.strings("filename"),
    recursive: flags.bool("recursive"),
    allNamespaces,
    verb: "get",
  });
  const groups = groupTargets(targets);
  const distinct = new Set(groups.map((g) => g.resource));
  const withKind = distinct.size > 1 || flags.bool("show-kind");
  if (flags.bool("watch") || flags.bool("watch-only")) {
    const [group, ...others] = groups;
    if (!group || others.length > 0 || distinct.size > 1)
      throw new CliError("you may only specify a single resource type");
    await watchGroup(ctx, group, flags, format, withKind);
    return;
  }
  const failed = { value: false };
  const sortBy = flags.string("sort-by");
  if (format.kind === "table") {
    const blocks: string[] = [];
    for (const group of groups) {
      const fetched = await fetchTable(ctx, group, flags, failed);
      if (!fetched || (fetched.rows ?? []).length === 0) continue;
      let table = fetched;
      try {
        if (sortBy) table = sortTable(fetched, sortBy);
      } catch (err) {
        // kubectl prints nothing for a listed table whose rows lack the field
        // (then "No resources found", exit 0); named objects fail.
        if (group.names === undefined && err instanceof CliError) continue;
        throw err;
      }
      const tw = new Tabwriter(GET_TABLE);
      writeTable(tw, table, tableOptions(flags, format, withKind, group.resource));
      blocks.push(tw.flush());
    }
    ctx.out(blocks.join("\n"));
    if (
      blocks.length === 0 &&
      !failed.value &&
      !flags.bool("ignore-not-found") &&
      !groups.every((g) => g.names)
    )
      ctx.err(noResourcesMessage(ctx, groups, allNamespaces));
  } else {
    const items: ApiObject[] = [];
    const objectQuery = { query: listQuery(flags), ignoreNotFound: flags.bool("ignore-not-found") };
    for (const group of groups) items.push(...(await fetchObjects(ctx, group, objectQuery, failed)).items);
    const single = targets.length === 1 && targets[0]?.name !== undefined;
    const sorted = sortBy && !single ? sortObjects(items, sortBy) : items;
    if (!(single && items.length === 0))
      ctx.out(printObjects(format, sorted, single, flags.bool("no-headers")));
  }
  if (failed.value) throw new SilentError();
}

export const getCommand: Command = {
  path: ["get"],
  summary: "Display one or many resources",
  usage:
    "ktl get [(-o|--output=)json|yaml|name|wide|jsonpath=...|custom-columns=...] (TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags]",
  flags: GET_FLAGS,
  run,
};
