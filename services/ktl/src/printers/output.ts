/**
 * The -o flag: which printer, and printing a set of API objects with it the
 * way `kubectl get` does (one object as itself, several as a `kind: List`).
 */
import { CliError } from "../cli/errors.js";
import { parseCustomColumns, printCustomColumns, type Column } from "./custom-columns.js";
import { JsonPath } from "./jsonpath.js";
import { toJson } from "./json.js";
import { nameOf } from "./name.js";
import { toYaml } from "./yaml.js";

export type OutputFormat =
  | { kind: "table"; wide: boolean }
  | { kind: "yaml" }
  | { kind: "json" }
  | { kind: "name" }
  | { kind: "jsonpath"; path: JsonPath }
  | { kind: "custom-columns"; columns: Column[] };

const FORMATS = "custom-columns, json, jsonpath, name, wide, yaml";

export function parseOutput(spec: string): OutputFormat {
  const eq = spec.indexOf("=");
  const name = eq < 0 ? spec : spec.slice(0, eq);
  const arg = eq < 0 ? "" : spec.slice(eq + 1);
  switch (name) {
    case "":
      return { kind: "table", wide: false };
    case "wide":
      return { kind: "table", wide: true };
    case "yaml":
      return { kind: "yaml" };
    case "json":
      return { kind: "json" };
    case "name":
      return { kind: "name" };
    case "jsonpath":
      if (!arg) throw new CliError("template format specified but no template given");
      return { kind: "jsonpath", path: new JsonPath(arg) };
    case "custom-columns":
      return { kind: "custom-columns", columns: parseCustomColumns(arg) };
    default:
      throw new CliError(
        `unable to match a printer suitable for the output format "${spec}", allowed formats are: ${FORMATS}`,
      );
  }
}

export type ApiObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; [key: string]: unknown };
} & Record<string, unknown>;

/** kubectl's List wrapper for several objects. */
export function asList(items: readonly ApiObject[]): ApiObject {
  return { apiVersion: "v1", items, kind: "List", metadata: { resourceVersion: "" } };
}

/** Prints objects with a non-table format; `single` prints the one object itself. */
export function printObjects(
  format: Exclude<OutputFormat, { kind: "table" }>,
  items: readonly ApiObject[],
  single: boolean,
  noHeaders = false,
): string {
  const data = single && items[0] ? items[0] : asList(items);
  switch (format.kind) {
    case "yaml":
      return toYaml(data);
    case "json":
      return toJson(data);
    case "name":
      return items.map((o) => `${nameOf(o)}\n`).join("");
    case "jsonpath":
      return format.path.execute(data);
    case "custom-columns":
      return printCustomColumns(format.columns, items, noHeaders);
  }
}
