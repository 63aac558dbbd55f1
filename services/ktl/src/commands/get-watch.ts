/**
 * `ktl get -w` / `--watch-only`: list (printing unless --watch-only), then
 * watch from the list's resourceVersion and print every change as it comes:
 * table rows keep the widths seen so far (kubectl's remembered widths),
 * other formats print each object (YAML documents separated by `---`).
 */
import type { Context } from "../cli/context.js";
import type { Flags } from "../cli/flags.js";
import { resourcePath } from "../client/paths.js";
import { TABLE_ACCEPT } from "../client/rest.js";
import { watchEvents } from "../client/watch.js";
import { printObjects, type ApiObject, type OutputFormat } from "../printers/output.js";
import { writeTable, type Table } from "../printers/table.js";
import { GET_TABLE, Tabwriter } from "../printers/tabwriter.js";
import { fetchObjects, listQuery, tableOptions, type Group } from "./get.js";

export async function watchGroup(
  ctx: Context,
  group: Group,
  flags: Flags,
  format: OutputFormat,
  withKind: boolean,
): Promise<void> {
  const client = ctx.client();
  const watchOnly = flags.bool("watch-only");
  const query: Record<string, string> = listQuery(flags);
  const name = group.names?.[0];
  if (name !== undefined)
    query.fieldSelector = [query.fieldSelector, `metadata.name=${name}`].filter(Boolean).join(",");
  const listGroup: Group = { ...group, names: undefined };
  const path = resourcePath(group.resource, group.namespace);
  const isTable = format.kind === "table";
  const tw = new Tabwriter({ ...GET_TABLE, rememberWidths: true });
  const options = tableOptions(flags, format, withKind, group.resource);
  let columns: Table["columnDefinitions"] | undefined;
  let headerDone = false;
  let resourceVersion: string;
  let printed = 0;

  if (isTable) {
    const table = await client.request<Table>("GET", path, { accept: TABLE_ACCEPT, query });
    resourceVersion = table.metadata?.resourceVersion ?? "";
    columns = table.columnDefinitions;
    if (!watchOnly && (table.rows ?? []).length > 0) {
      writeTable(tw, table, options);
      headerDone = true;
      ctx.out(tw.flush());
    } else if (!watchOnly) {
      ctx.err(
        group.resource.namespaced && group.namespace
          ? `No resources found in ${group.namespace} namespace.\n`
          : "No resources found\n",
      );
    }
  } else {
    const { items, resourceVersion: rv } = await fetchObjects(
      ctx,
      listGroup,
      { query, ignoreNotFound: false },
      { value: false },
    );
    resourceVersion = rv;
    if (!watchOnly) {
      for (const item of items) {
        ctx.out(printOne(format, item, printed++));
      }
    }
  }

  const res = await client.stream("GET", path, {
    accept: isTable ? TABLE_ACCEPT : "application/json",
    query: { ...query, watch: "true", resourceVersion, allowWatchBookmarks: "false" },
  });
  for await (const event of watchEvents<ApiObject & Table>(res)) {
    if (event.type === "BOOKMARK") continue;
    if (isTable) {
      const table = event.object;
      if (table.columnDefinitions.length > 0) columns ??= table.columnDefinitions;
      writeTable(
        tw,
        { ...table, columnDefinitions: columns ?? table.columnDefinitions },
        options,
        !headerDone,
      );
      headerDone = true;
      ctx.out(tw.flush());
    } else {
      const object = { apiVersion: group.resource.groupVersion, kind: group.resource.kind, ...event.object };
      ctx.out(printOne(format, object, printed++));
    }
  }
}

function printOne(format: OutputFormat, object: ApiObject, index: number): string {
  if (format.kind === "table") return "";
  const text = printObjects(format, [object], true);
  return format.kind === "yaml" && index > 0 ? `---\n${text}` : text;
}
