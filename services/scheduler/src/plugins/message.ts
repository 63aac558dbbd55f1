import type { Status } from "../framework/interface.js";

/**
 * Kubernetes' FitError.Error(): "0/3 nodes are available: 1 node(s) had
 * untolerated taint {dedicated: gpu}, 2 Insufficient memory." Each reason is
 * counted once per node that gave it, and the "<count> <reason>" strings are
 * sorted as plain strings (Go's sort.Strings), so the count takes part in the
 * order. The " preemption: …" suffix of newer versions is not appended.
 */
export function failureMessage(total: number, statuses: ReadonlyMap<string, Status>): string {
  const counts = new Map<string, number>();
  for (const status of statuses.values()) {
    for (const reason of status.reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const histogram = [...counts].map(([reason, n]) => `${n} ${reason}`).sort();
  const message = `0/${total} nodes are available:`;
  return histogram.length === 0 ? message : `${message} ${histogram.join(", ")}.`;
}
