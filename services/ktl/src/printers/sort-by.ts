/**
 * `ktl get --sort-by=<jsonpath>` as kubectl's SortingPrinter does it: the
 * field is a relaxed JSONPath (`.a.b`, `a.b`, `{.a.b}`), the first value it
 * finds in each object is the key, numbers compare numerically, strings as
 * quantities when both parse as one (`100m` < `1`, `1Gi` < `2Gi`) and
 * otherwise in natural order (`web-2` < `web-10`; RFC 3339 timestamps sort
 * in time order); maps, lists and booleans cannot be sorted (kubectl decodes
 * objects as unstructured JSON too); an object without the field sorts
 * first, and a field no object has is an error.
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

/** fvbommel/sortorder's NaturalLess: runs of digits compare as numbers, the rest bytewise. */
export function naturalLess(a: string, b: string): boolean {
  const digit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [c1, c2] = [a[i], b[j]];
    const [d1, d2] = [digit(c1), digit(c2)];
    if (d1 !== d2) return d1;
    if (!d1) {
      if (c1 !== c2) return (c1 ?? "") < (c2 ?? "");
      i++;
      j++;
      continue;
    }
    while (a[i] === "0") i++;
    while (b[j] === "0") j++;
    const [start1, start2] = [i, j];
    while (digit(a[i])) i++;
    while (digit(b[j])) j++;
    const [n1, n2] = [a.slice(start1, i), b.slice(start2, j)];
    if (n1.length !== n2.length) return n1.length < n2.length;
    if (n1 !== n2) return n1 < n2;
    // Same number: fewer leading zeros first.
    if (start1 !== start2) return start1 < start2;
  }
  return a.length - i < b.length - j;
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
    return naturalLess(a, b);
  }
  const reason =
    typeof a === "number" || typeof a === "string"
      ? "unsortable interface: interface"
      : `unsortable type: ${goType(a)}`;
  throw new CliError(
    `Field ${field} in *unstructured.Unstructured is an unsortable type: interface, err: ${reason}`,
  );
}

/** Sorts `things` by the first value `field` finds in `objectOf(thing)`; stable for equal keys. */
function sortBy<T>(things: readonly T[], input: string, objectOf: (t: T) => unknown): T[] {
  const field = relaxedSortField(input);
  const path = new JsonPath(field);
  const keyed = things.map((thing) => {
    const values = path.values(objectOf(thing));
    return { thing, found: values.length > 0, key: values[0] };
  });
  if (keyed.length > 0 && !keyed.some((k) => k.found))
    throw new CliError(`couldn't find any field with path ${JSON.stringify(field)} in the list of objects`);
  const less = (x: (typeof keyed)[number], y: (typeof keyed)[number]): boolean => {
    if (!x.found) return true;
    if (!y.found) return false;
    return isLess(x.key, y.key, field);
  };
  return keyed.sort((x, y) => (less(x, y) ? (less(y, x) ? 0 : -1) : less(y, x) ? 1 : 0)).map((k) => k.thing);
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
