/**
 * Pod and node resources in the scheduler's canonical units (cpu in
 * millicores, everything else in whole units), after Kubernetes'
 * resourcehelper.PodRequests and the scheduler's NodeInfo accounting.
 */
import { parseQuantity } from "@ktl/api";
import type { Container, Pod } from "@ktl/api";
import type { CycleState, Resources } from "../framework/interface.js";
import { cached } from "./cycle.js";

/** Kubernetes' schedutil.DefaultMilliCPURequest: what a container without a cpu request counts as for scoring. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** Kubernetes' schedutil.DefaultMemoryRequest (200 MiB). */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

const NANO_PER_MILLI = 1_000_000n;
const NANO_PER_UNIT = 1_000_000_000n;

export function emptyResources(): Resources {
  return { milliCpu: 0, memory: 0, pods: 0, scalar: {} };
}

// Rounds up as Kubernetes' Quantity.MilliValue()/Value() do; truncation
// toward zero already is the ceiling for negative values.
function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b > 0n ? q + 1n : q;
}

// The same few quantity strings ("100m", "1Gi") recur across thousands of pods;
// parsing them through BigInt every filter call would dominate the cycle.
const parsed = new Map<string, number>();
const PARSE_CACHE_LIMIT = 10_000;

/** A quantity in millis (for cpu) or whole units; unparsable quantities count as 0 (the apiserver rejects them). */
export function quantityValue(text: string, milli: boolean): number {
  const key = (milli ? "m:" : "u:") + text;
  const hit = parsed.get(key);
  if (hit !== undefined) return hit;
  const q = parseQuantity(text);
  const value = q.ok ? Number(ceilDiv(q.nano, milli ? NANO_PER_MILLI : NANO_PER_UNIT)) : 0;
  if (parsed.size >= PARSE_CACHE_LIMIT) parsed.clear();
  parsed.set(key, value);
  return value;
}

/** Adds a ResourceList ("cpu", "memory", "pods", others as scalars) into `into`. */
export function addResourceList(
  into: Resources,
  list: Readonly<Record<string, string>> | undefined,
): Resources {
  if (list === undefined) return into;
  for (const [name, text] of Object.entries(list)) {
    switch (name) {
      case "cpu":
        into.milliCpu += quantityValue(text, true);
        break;
      case "memory":
        into.memory += quantityValue(text, false);
        break;
      case "pods":
        into.pods += quantityValue(text, false);
        break;
      default:
        into.scalar[name] = (into.scalar[name] ?? 0) + quantityValue(text, false);
    }
  }
  return into;
}

/** A node's allocatable (or capacity) list as Resources; for the cache building NodeInfo. */
export function parseResourceList(list: Readonly<Record<string, string>> | undefined): Resources {
  return addResourceList(emptyResources(), list);
}

function containerRequests(container: Container, nonZero: boolean): Resources {
  const requests = container.resources?.requests;
  const r = parseResourceList(requests);
  if (nonZero) {
    if (requests?.cpu === undefined) r.milliCpu = DEFAULT_MILLI_CPU_REQUEST;
    if (requests?.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

function computePodRequests(pod: Pod, nonZero: boolean): Resources {
  const total = emptyResources();
  for (const c of pod.spec?.containers ?? []) {
    const r = containerRequests(c, nonZero);
    total.milliCpu += r.milliCpu;
    total.memory += r.memory;
    for (const [name, v] of Object.entries(r.scalar)) total.scalar[name] = (total.scalar[name] ?? 0) + v;
  }
  // Init containers run one at a time before the app containers, so the pod
  // needs the largest of them, not their sum.
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequests(c, nonZero);
    total.milliCpu = Math.max(total.milliCpu, r.milliCpu);
    total.memory = Math.max(total.memory, r.memory);
    for (const [name, v] of Object.entries(r.scalar))
      total.scalar[name] = Math.max(total.scalar[name] ?? 0, v);
  }
  // Every pod takes one slot of the node's "pods" allocatable.
  total.pods = 1;
  return total;
}

/** The pod's effective requests: containers summed, the max with each init container; `pods` is 1. */
export function podRequests(pod: Pod): Resources {
  return computePodRequests(pod, false);
}

/** As podRequests, but a container missing a cpu/memory request counts as 100m / 200 MiB (for scores). */
export function nonZeroPodRequests(pod: Pod): Resources {
  return computePodRequests(pod, true);
}

/** podRequests, computed once per cycle: filters run once per node and must not re-parse the pod each time. */
export function cycleRequests(state: CycleState, pod: Pod): Resources {
  return cached(state, "plugins/podRequests", pod, podRequests);
}

/** nonZeroPodRequests, computed once per cycle. */
export function cycleNonZeroRequests(state: CycleState, pod: Pod): Resources {
  return cached(state, "plugins/nonZeroPodRequests", pod, nonZeroPodRequests);
}
