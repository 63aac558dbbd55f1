/**
 * The CRI container log format that containerd writes, one record a line:
 *
 *   2026-11-24T11:07:54.123456789Z stdout F hello world
 *
 * timestamp (RFC 3339, nanoseconds), stream, tag (`F` a full line, `P` a
 * partial one that the next record continues), content. A long line the
 * runtime split into P…P F records is one line to the reader.
 */
export type LogStream = "stdout" | "stderr";

export interface LogRecord {
  /** The record's timestamp exactly as written (nanosecond precision). */
  readonly timestamp: string;
  /** Milliseconds since the epoch, for `--since` comparisons. */
  readonly time: number;
  readonly stream: LogStream;
  readonly partial: boolean;
  readonly content: string;
}

/** Parses one line of a CRI log file; undefined for a malformed line. */
export function parseCriLogLine(line: string): LogRecord | undefined {
  const a = line.indexOf(" ");
  const b = a < 0 ? -1 : line.indexOf(" ", a + 1);
  const c = b < 0 ? -1 : line.indexOf(" ", b + 1);
  if (c < 0) {
    // "ts stream F" with empty content has no third space.
    return b < 0 ? undefined : record(line.slice(0, a), line.slice(a + 1, b), line.slice(b + 1), "");
  }
  return record(line.slice(0, a), line.slice(a + 1, b), line.slice(b + 1, c), line.slice(c + 1));
}

function record(timestamp: string, stream: string, tag: string, content: string): LogRecord | undefined {
  if (stream !== "stdout" && stream !== "stderr") return undefined;
  if (tag !== "F" && tag !== "P") return undefined;
  const time = Date.parse(timestamp);
  if (Number.isNaN(time)) return undefined;
  return { timestamp, time, stream, partial: tag === "P", content };
}

/** Formats a record back to the file's format (the fake runtime writes logs with it). */
export function formatCriLogLine(options: {
  time: Date;
  stream: LogStream;
  content: string;
  partial?: boolean;
}): string {
  const tag = options.partial === true ? "P" : "F";
  return `${options.time.toISOString()} ${options.stream} ${tag} ${options.content}\n`;
}

/**
 * Joins P…P F records into whole lines, as `kubectl logs` shows them. Feed it
 * records in file order; it returns a line when one is complete.
 */
export class LineAssembler {
  private pending: LogRecord[] = [];

  push(rec: LogRecord): { timestamp: string; time: number; content: string } | undefined {
    if (rec.partial) {
      this.pending.push(rec);
      return undefined;
    }
    const first = this.pending[0] ?? rec;
    const content = this.pending.map((p) => p.content).join("") + rec.content;
    this.pending = [];
    return { timestamp: first.timestamp, time: first.time, content };
  }
}
