/**
 * Server-side Tables (`as=Table;g=meta.k8s.io`) printed as `kubectl get`
 * prints them: upper-case headers, priority>0 columns only with -o wide,
 * NAMESPACE first with -A, `kind.group/` before names when several kinds are
 * listed, label columns (-L, --show-labels), and tabwriter alignment.
 */
import type { Tabwriter } from "./tabwriter.js";

export interface TableColumn {
  name: string;
  type?: string;
  format?: string;
  description?: string;
  priority?: number;
}

export interface TableRow {
  cells: unknown[];
  object?: { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } };
}

export interface Table {
  kind?: string;
  apiVersion?: string;
  metadata?: { resourceVersion?: string };
  columnDefinitions: TableColumn[];
  rows: TableRow[] | null;
}

export interface TableOptions {
  readonly wide?: boolean;
  readonly noHeaders?: boolean;
  readonly withNamespace?: boolean;
  /** e.g. "deployment.apps": prefixed to names as `deployment.apps/web`. */
  readonly kindPrefix?: string;
  readonly showLabels?: boolean;
  /** -L: one column per label key. */
  readonly labelColumns?: readonly string[];
}

function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return "";
  if (typeof cell === "string") {
    // Like kubectl: cut at the first line break, and no tabs inside a cell.
    const cut = cell.search(/[\f\n\r]/);
    const text = cut >= 0 ? `${cell.slice(0, cut)}...` : cell;
    return text.replace(/\t/g, " ");
  }
  if (typeof cell === "object") return JSON.stringify(cell);
  return typeof cell === "number" || typeof cell === "boolean" ? String(cell) : "";
}

export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return "<none>";
  return keys.map((k) => `${k}=${labels?.[k] ?? ""}`).join(",");
}

/** The header cells, or none with --no-headers. */
export function tableHeader(table: Table, options: TableOptions): string[] {
  const names = table.columnDefinitions
    .filter((c) => options.wide || !c.priority)
    .map((c) => c.name.toUpperCase());
  return [
    ...(options.withNamespace ? ["NAMESPACE"] : []),
    ...names,
    ...(options.labelColumns ?? []).map((l) => (l.split("/").at(-1) ?? l).toUpperCase()),
    ...(options.showLabels ? ["LABELS"] : []),
  ];
}

export function tableRows(table: Table, options: TableOptions): string[][] {
  const visible = table.columnDefinitions.map((c) => options.wide || !c.priority);
  return (table.rows ?? []).map((row) => {
    const meta = row.object?.metadata;
    const cells = row.cells.filter((_, i) => visible[i] === true).map(cellText);
    if (options.kindPrefix && cells.length > 0) cells[0] = `${options.kindPrefix}/${cells[0] ?? ""}`;
    return [
      ...(options.withNamespace ? [meta?.namespace ?? ""] : []),
      ...cells,
      ...(options.labelColumns ?? []).map((l) => meta?.labels?.[l] ?? ""),
      ...(options.showLabels ? [formatLabels(meta?.labels)] : []),
    ];
  });
}

/** Writes the table (header unless disabled) into a tabwriter; the caller flushes. */
export function writeTable(tw: Tabwriter, table: Table, options: TableOptions, header = true): void {
  const lines: string[][] = [];
  if (header && !options.noHeaders) lines.push(tableHeader(table, options));
  lines.push(...tableRows(table, options));
  for (const line of lines) tw.write(line.join("\t") + "\n");
}
