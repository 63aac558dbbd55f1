/**
 * A port of Go's text/tabwriter (left-aligned, space padding), which kubectl
 * uses for every aligned output: `get` tables (min width 6, padding 3) and
 * `describe` (min width 0, padding 2). Cells are tab-terminated; a column
 * block is a run of consecutive lines that have a cell in that column, so a
 * line without tabs ends every block, as in Go.
 *
 * With `rememberWidths` (liggitt/tabwriter, as kubectl's watch uses) column
 * widths only grow from one flush to the next.
 */

export interface TabwriterOptions {
  readonly minWidth: number;
  readonly padding: number;
  readonly rememberWidths?: boolean;
}

export const GET_TABLE: TabwriterOptions = { minWidth: 6, padding: 3 };
export const DESCRIBE: TabwriterOptions = { minWidth: 0, padding: 2 };

/** Display width: what Go counts (runes), which is what terminals show for our text. */
function width(text: string): number {
  return [...text].length;
}

export class Tabwriter {
  private pending = "";
  private readonly maxWidths: number[] = [];

  constructor(private readonly options: TabwriterOptions) {}

  write(text: string): void {
    this.pending += text;
  }

  /** Formats what was written since the last flush. */
  flush(): string {
    const text = this.pending;
    this.pending = "";
    if (text === "") return "";
    const endsWithNewline = text.endsWith("\n");
    const lines = (endsWithNewline ? text.slice(0, -1) : text).split("\n").map((l) => l.split("\t"));
    const out: string[] = [];
    this.format(lines, 0, lines.length, [], out);
    return out.join("\n") + (endsWithNewline ? "\n" : "");
  }

  private format(lines: string[][], line0: number, line1: number, widths: number[], out: string[]): void {
    const column = widths.length;
    let start = line0;
    for (let current = line0; current < line1; current++) {
      if (column >= (lines[current]?.length ?? 0) - 1) continue;
      // A column block starts here: print the lines before it with the widths so far.
      this.writeLines(lines, start, current, widths, out);
      start = current;
      let w = this.options.minWidth;
      for (; current < line1; current++) {
        const line = lines[current] ?? [];
        if (column >= line.length - 1) break;
        w = Math.max(w, width(line[column] ?? "") + this.options.padding);
      }
      if (this.options.rememberWidths) {
        const remembered = this.maxWidths[column];
        if (remembered === undefined || remembered < w) this.maxWidths[column] = w;
        else w = remembered;
      }
      this.format(lines, start, current, [...widths, w], out);
      start = current;
      current--;
    }
    this.writeLines(lines, start, line1, widths, out);
  }

  private writeLines(lines: string[][], from: number, to: number, widths: number[], out: string[]): void {
    for (let i = from; i < to; i++) {
      const cells = lines[i] ?? [];
      let text = "";
      cells.forEach((cell, j) => {
        text += cell;
        const w = widths[j];
        if (j < cells.length - 1 && w !== undefined) text += " ".repeat(Math.max(0, w - width(cell)));
      });
      out.push(text);
    }
  }
}

/** Formats `text` (tab-separated cells) in one go. */
export function tabulate(text: string, options: TabwriterOptions): string {
  const tw = new Tabwriter(options);
  tw.write(text);
  return tw.flush();
}
