import { parseQuantity, type Container, type Pod } from "@ktl/api";
import type { LinuxContainerResources } from "@ktl/cri";

const NANO = 1_000_000_000n;
/** Kubernetes' cgroup constants (pkg/kubelet/cm). */
const MIN_SHARES = 2;
const MAX_SHARES = 262_144;
const SHARES_PER_CPU = 1024;
const QUOTA_PERIOD_US = 100_000;
const MIN_QUOTA_US = 1000;
const GUARANTEED_OOM_SCORE_ADJ = -997;
const BEST_EFFORT_OOM_SCORE_ADJ = 1000;

/** A quantity in milli-units, rounded up (resource.Quantity.MilliValue); 0 for absent or unparseable. */
export function milliValue(quantity: string | undefined): number {
  if (!quantity) return 0;
  const q = parseQuantity(quantity);
  if (!q.ok) return 0;
  return Number(ceilDiv(q.nano, 1_000_000n));
}

/** A quantity in whole units, rounded up (resource.Quantity.Value); 0 for absent or unparseable. */
export function value(quantity: string | undefined): number {
  if (!quantity) return 0;
  const q = parseQuantity(quantity);
  if (!q.ok) return 0;
  return Number(ceilDiv(q.nano, NANO));
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b > 0n ? q + 1n : q;
}

/** cpu.shares for a CPU request (cm.MilliCPUToShares): 1024 per CPU, at least 2. */
export function milliCpuToShares(milliCpu: number): number {
  if (milliCpu === 0) return MIN_SHARES;
  const shares = Math.floor((milliCpu * SHARES_PER_CPU) / 1000);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

/** The CFS quota for a CPU limit over `periodUs` (cm.MilliCPUToQuota): 0 = unlimited, else at least 1 ms. */
export function milliCpuToQuota(milliCpu: number, periodUs: number): number {
  if (milliCpu === 0) return 0;
  return Math.max(MIN_QUOTA_US, Math.floor((milliCpu * periodUs) / 1000));
}

/**
 * The pod's QoS class (v1qos.ComputePodQOS): BestEffort without any CPU or
 * memory request or limit, Guaranteed when every container limits both and
 * requests equal limits, Burstable otherwise.
 */
export function qosClass(pod: Pod): string {
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    addAll(requests, c.resources?.requests);
    const found = addAll(limits, c.resources?.limits);
    if (!found.has("cpu") || !found.has("memory")) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [name, req] of requests) {
      if (limits.get(name) !== req) guaranteed = false;
    }
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}

function addAll(into: Map<string, bigint>, list: Readonly<Record<string, string>> | undefined): Set<string> {
  const found = new Set<string>();
  for (const [name, text] of Object.entries(list ?? {})) {
    if (name !== "cpu" && name !== "memory") continue;
    const q = parseQuantity(text);
    if (!q.ok || q.nano <= 0n) continue;
    found.add(name);
    into.set(name, (into.get(name) ?? 0n) + q.nano);
  }
  return found;
}

/** The OOM score adjustment of a container (qos.GetContainerOOMScoreAdjust). */
export function oomScoreAdj(pod: Pod, container: Container, memoryCapacity: number): number {
  const qos = qosClass(pod);
  if (qos === "Guaranteed") return GUARANTEED_OOM_SCORE_ADJ;
  if (qos === "BestEffort") return BEST_EFFORT_OOM_SCORE_ADJ;
  const request = value(container.resources?.requests?.memory);
  const adj = memoryCapacity > 0 ? 1000 - Math.floor((1000 * request) / memoryCapacity) : 1000;
  // Burstable ranks between Guaranteed (-997) and BestEffort (1000).
  if (adj < 1000 + GUARANTEED_OOM_SCORE_ADJ) return 1000 + GUARANTEED_OOM_SCORE_ADJ;
  if (adj === BEST_EFFORT_OOM_SCORE_ADJ) return adj - 1;
  return adj;
}

/**
 * The container's cgroup settings from its requests and limits, as the
 * kubelet computes them (generateLinuxContainerResources): cpu_shares from
 * the CPU request (the limit when only it is set), a CFS quota over a 100 ms
 * period from the CPU limit, the memory limit, and the OOM score adjustment.
 */
export function linuxResources(
  pod: Pod,
  container: Container,
  memoryCapacity: number,
): LinuxContainerResources {
  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  const cpuLimit = milliValue(limits.cpu);
  const cpuRequest = requests.cpu === undefined ? (cpuLimit > 0 ? cpuLimit : 0) : milliValue(requests.cpu);
  const memoryLimit = value(limits.memory);
  return {
    cpuShares: milliCpuToShares(cpuRequest),
    cpuPeriod: QUOTA_PERIOD_US,
    cpuQuota: milliCpuToQuota(cpuLimit, QUOTA_PERIOD_US),
    ...(memoryLimit > 0 ? { memoryLimitInBytes: memoryLimit } : {}),
    oomScoreAdj: oomScoreAdj(pod, container, memoryCapacity),
  };
}
