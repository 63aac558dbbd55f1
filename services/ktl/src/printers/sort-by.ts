/**
 * `ktl get --sort-by=<jsonpath>` as kubectl's SortingPrinter does it: the
 * field is a relaxed JSONPath (`.a.b`, `a.b`, `{.a.b}`), the first value it
 * finds in each object is the key, numbers compare numerically, strings as
 * quantities when both parse as one (`100m` < `1`, `1Gi` < `2Gi`) and
 * otherwise bytewise as Go compares them (kubectl 1.32 is not natural:
 * `web-10` < `web-9`; RFC 3339 timestamps sort in time order); maps, lists and booleans cannot be sorted (kubectl decodes
 * objects as unstructured JSON too); objects without the field sort first,
 * and a field no object has is an error.
 */
import { parseQuantity } from "@ktl/api";
import { CliError } from "../cli/errors.js";
import { JsonPath } from "./jsonpath.js";
import type { Table } from "./table.js";

const RELAXED = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/;

/** kubectl's RelaxedJSONPathExpression: `.a.b`, `a.b`, `{a.b}` and `{.a.b}` all mean `{.a.b}`. */
export function relaxedSortField(input: string): string {
  const m = RELAXED.exec(input);
  if (!m)
    throw new CliError(
      "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'",
    );
  return `{.${m[1] || m[2] || ""}}`;
}

/** Go's string order: bytewise over UTF-8. */
function goLess(a: string, b: string): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0;
}

function goType(v: unknown): string {
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "[]interface {}";
  return "map[string]interface {}";
}

/** kubectl's isLess over decoded JSON values. */
export function isLess(a: unknown, b: unknown, field: string): boolean {
  if (a === null || b === null) return a !== null ? false : b !== null;
  if (typeof a === "number" && typeof b === "number") return a < b;
  if (typeof a === "string" && typeof b === "string") {
    const [qa, qb] = [parseQuantity(a), parseQuantity(b)];
    if (qa.ok && qb.ok) return qa.nano < qb.nano;
    return goLess(a, b);
  }
  const reason =
    typeof a === "number" || typeof a === "string"
      ? "unsortable interface: interface"
      : `unsortable type: ${goType(a)}`;
  throw new CliError(
    `Field ${field} in *unstructured.Unstructured is an unsortable type: interface, err: ${reason}`,
  );
}

/** Sorts `things` by the first value `field` finds in `objectOf(thing)`. */
function sortBy<T>(things: readonly T[], input: string, objectOf: (t: T) => unknown): T[] {
  const field = relaxedSortField(input);
  const path = new JsonPath(field);
  const keyed = things.map((thing) => {
    const values = path.values(objectOf(thing));
    return { thing, found: values.length > 0, key: values[0] };
  });
  if (keyed.length > 0 && !keyed.some((k) => k.found))
    throw new CliError(`couldn't find any field with path ${JSON.stringify(field)} in the list of objects`);
  // kubectl's Less calls a missing field less than anything, so Go's insertion
  // sort (all of sort.Sort for up to 12 items) moves each to the front in
  // turn: they come first, in reverse order; the others keep a stable order.
  const missing = keyed.filter((k) => !k.found).reverse();
  const found = keyed
    .filter((k) => k.found)
    .sort((x, y) => (isLess(x.key, y.key, field) ? -1 : isLess(y.key, x.key, field) ? 1 : 0));
  return [...missing, ...found].map((k) => k.thing);
}

/** The objects in --sort-by order. */
export function sortObjects<T>(items: readonly T[], input: string): T[] {
  return sortBy(items, input, (item) => item);
}

/** A server Table's rows in --sort-by order, by each row's full object (includeObject=Object). */
export function sortTable(table: Table, input: string): Table {
  const rows = table.rows ?? [];
  if (rows.length < 2) return table;
  return { ...table, rows: sortBy(rows, input, (row) => row.object) };
}
