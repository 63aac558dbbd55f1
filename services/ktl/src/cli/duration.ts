import { CliError } from "./errors.js";

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * A Go duration ("30s", "1m30s", "500ms", "2h") in milliseconds; a bare
 * number counts as seconds, as kubectl's --request-timeout allows.
 */
export function parseDuration(text: string, flag: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m)
      throw new CliError(`invalid argument "${text}" for "--${flag}" flag: time: invalid duration "${text}"`);
    total += Number(m[1]) * (UNITS[m[2] ?? "s"] ?? 1000);
    at = re.lastIndex;
  }
  if (text === "") throw new CliError(`invalid argument "" for "--${flag}" flag: time: invalid duration ""`);
  return total;
}
