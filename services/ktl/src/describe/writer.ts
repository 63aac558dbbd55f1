/**
 * kubectl's describe output machinery: a PrefixWriter (two spaces per level)
 * over a tabwriter with min width 0 and padding 2, flushed where kubectl
 * flushes (before the events table), plus the time format it uses.
 */
import { DESCRIBE, tabulate } from "../printers/tabwriter.js";

export class DescribeWriter {
  private pending = "";
  private done = "";

  /** `aligned: false` keeps the raw tab-separated text (rollout history --revision). */
  constructor(private readonly aligned = true) {}

  write(level: number, text: string): void {
    this.pending += "  ".repeat(level) + text;
  }

  flush(): void {
    this.done += this.aligned ? tabulate(this.pending, DESCRIBE) : this.pending;
    this.pending = "";
  }

  toString(): string {
    this.flush();
    return this.done;
  }
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Go's time.RFC1123Z in local time: `Tue, 24 Nov 2026 11:16:48 +0000`. */
export function rfc1123z(timestamp: string | undefined): string {
  if (!timestamp) return "<unset>";
  const d = new Date(timestamp);
  if (Number.isNaN(d.getTime())) return timestamp;
  const pad = (n: number): string => String(n).padStart(2, "0");
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return (
    `${DAYS[d.getDay()]}, ${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.trunc(abs / 60))}${pad(abs % 60)}`
  );
}
