import type { Pod } from "@ktl/api";
import type { CycleState } from "../framework/interface.js";

interface Entry<T> {
  readonly pod: Pod;
  readonly value: T;
}

/**
 * Computes a per-pod value once per scheduling cycle. Filters run once per
 * node, so anything derived from the pod alone (requests, parsed selectors,
 * host ports) is kept in the CycleState; the entry remembers its pod so a
 * state reused for another pod never serves stale data.
 */
export function cached<T>(state: CycleState, key: string, pod: Pod, compute: (pod: Pod) => T): T {
  const hit = state.get(key) as Entry<T> | undefined;
  if (hit?.pod === pod) return hit.value;
  const value = compute(pod);
  state.set(key, { pod, value } satisfies Entry<T>);
  return value;
}
