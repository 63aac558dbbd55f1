/**
 * `-o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image`:
 * one column per spec, several values joined with commas, `<none>` when a
 * path finds nothing.
 */
import { CliError } from "../cli/errors.js";
import { JsonPath, relaxedJsonPath, valueText } from "./jsonpath.js";
import { GET_TABLE, tabulate } from "./tabwriter.js";

export interface Column {
  readonly header: string;
  readonly path: JsonPath;
}

export function parseCustomColumns(spec: string): Column[] {
  if (spec === "") throw new CliError(`custom-columns format specified but no custom columns given`);
  return spec.split(",").map((part) => {
    const colon = part.indexOf(":");
    if (colon < 0)
      throw new CliError(`unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
    return { header: part.slice(0, colon), path: new JsonPath(relaxedJsonPath(part.slice(colon + 1))) };
  });
}

export function printCustomColumns(
  columns: readonly Column[],
  objects: readonly unknown[],
  noHeaders: boolean,
): string {
  const lines: string[] = [];
  if (!noHeaders) lines.push(columns.map((c) => c.header).join("\t"));
  for (const object of objects) {
    lines.push(
      columns
        .map((c) => {
          const values = c.path.values(object).filter((v) => v !== undefined);
          return values.length === 0 ? "<none>" : values.map(valueText).join(",");
        })
        .join("\t"),
    );
  }
  return tabulate(lines.map((l) => `${l}\n`).join(""), GET_TABLE);
}
