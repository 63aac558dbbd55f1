/**
 * Ages as kubectl shows them: a port of k8s.io/apimachinery/pkg/util/duration
 * HumanDuration, and of the printers' translateTimestampSince. Integer
 * divisions truncate toward zero, as Go's do.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Go's zero time.Time (0001-01-01T00:00:00Z), which metav1.Time.IsZero reports as unset. */
const GO_ZERO_TIME_MS = Date.parse("0001-01-01T00:00:00Z");

const div = (a: number, b: number): number => Math.trunc(a / b);

/**
 * A succinct representation of a duration (in milliseconds) with about 2-3
 * significant figures: "45s", "3m20s", "10m", "5h2m", "30h", "2d3h", "90d",
 * "3y45d", "9y". Up to 2s in the future counts as now (clock skew).
 */
export function humanDuration(ms: number): string {
  const seconds = div(ms, SECOND);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = div(ms, MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = div(ms, HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = div(hours, 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = div(days, 365);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

/**
 * Milliseconds since the epoch of an RFC 3339 timestamp, or undefined when it
 * is missing, unparsable or Go's zero time (all of which Kubernetes treats as
 * an unset metav1.Time).
 */
export function parseTimestamp(timestamp: string | undefined): number | undefined {
  if (timestamp === undefined || timestamp === "") return undefined;
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms) || ms === GO_ZERO_TIME_MS) return undefined;
  return ms;
}

/** How long ago `timestamp` was, as the Age column shows it; "<unknown>" when unset. */
export function translateTimestampSince(timestamp: string | number | undefined, now: Date): string {
  const ms = typeof timestamp === "number" ? timestamp : parseTimestamp(timestamp);
  if (ms === undefined) return "<unknown>";
  return humanDuration(now.getTime() - ms);
}
