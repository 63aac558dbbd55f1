/** API timestamps: RFC 3339 in whole seconds, as Kubernetes' metav1.Time serializes. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** CRI timestamps are nanoseconds since the epoch; 0 means "not yet". */
export function nsToMs(ns: number | undefined): number {
  return ns ? Math.floor(ns / 1e6) : 0;
}

/**
 * A duration as Go's time.Duration prints it ("10s", "1m20s", "5m0s",
 * "200ms"), because Kubernetes' messages ("back-off 10s restarting failed
 * container…") carry that format.
 */
export function goDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${trim(ms)}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = `${trim((ms % 60_000) / 1000)}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}

function trim(n: number): string {
  return String(Number(n.toFixed(9)));
}
