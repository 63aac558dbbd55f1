import type { Node } from "@ktl/api";
import type { DeepReadonly } from "@ktl/informers";

/** Kubernetes' zone states (node lifecycle controller). */
export type ZoneState = "Normal" | "PartialDisruption" | "FullDisruption";

export interface DisruptionSettings {
  /** Unreachable taints per second per healthy zone (--node-eviction-rate, Kubernetes: 0.1). */
  readonly evictionQps: number;
  /** Per partially disrupted zone larger than the threshold below (--secondary-node-eviction-rate: 0.01). */
  readonly secondaryEvictionQps: number;
  /** Zones this small stop tainting when partially disrupted (--large-cluster-size-threshold: 50). */
  readonly largeClusterSizeThreshold: number;
  /** Share of not-ready nodes (and more than 2) that makes a zone partially disrupted (0.55). */
  readonly unhealthyZoneThreshold: number;
}

/** One node as the disruption monitor sees it. */
export interface NodeHealth {
  readonly zone: string;
  readonly ready: boolean;
}

const REGION_LABELS = ["topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region"];
const ZONE_LABELS = ["topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"];

/** Kubernetes' GetZoneKey: "region:\0:zone", or "" for a node without either label. */
export function zoneKey(node: DeepReadonly<Node>): string {
  const labels = node.metadata?.labels ?? {};
  const first = (keys: string[]): string => keys.map((k) => labels[k]).find((v) => v) ?? "";
  const region = first(REGION_LABELS);
  const zone = first(ZONE_LABELS);
  return region === "" && zone === "" ? "" : `${region}:\x00:${zone}`;
}

/** Kubernetes' ComputeZoneState. */
export function computeZoneState(ready: number, notReady: number, threshold: number): ZoneState {
  if (ready === 0 && notReady > 0) return "FullDisruption";
  if (notReady > 2 && notReady / (notReady + ready) >= threshold) return "PartialDisruption";
  return "Normal";
}

interface Zone {
  state: ZoneState | "Initial";
  size: number;
  qps: number;
  /** Token bucket with a burst of one (Kubernetes' EvictionRateLimiterBurst). */
  tokens: number;
  refilledAt: number;
}

/**
 * Rate limits unreachable taints per zone the way Kubernetes' node lifecycle
 * controller does, so a network split or a dead NATS route cannot evict a
 * whole cluster at once:
 * - a healthy zone taints at most `evictionQps` nodes per second;
 * - a partially disrupted zone (≥ 55 % of > 2 nodes not ready) slows to
 *   `secondaryEvictionQps`, or stops when it is small;
 * - when EVERY zone is fully disrupted, the fault is most likely on the
 *   control plane's side (its view of the heartbeats), so tainting stops and
 *   existing unreachable taints are lifted ("master disruption mode") until
 *   some node is ready again; every node then gets a fresh grace period.
 */
export class ZoneDisruption {
  private readonly zones = new Map<string, Zone>();
  private allDisrupted = false;

  constructor(private readonly settings: DisruptionSettings) {}

  /** True in master disruption mode: no node may be tainted, taints come off. */
  get inMasterDisruption(): boolean {
    return this.allDisrupted;
  }

  stateOf(zone: string): ZoneState | "Initial" | undefined {
    return this.zones.get(zone)?.state;
  }

  /**
   * Recomputes every zone's state from the nodes' health (handleDisruption).
   * Returns the mode change, so the caller can log, lift taints (entered) or
   * restart grace periods (exited).
   */
  update(nodes: Iterable<NodeHealth>, now: number): "entered" | "exited" | undefined {
    const counts = new Map<string, { ready: number; notReady: number }>();
    for (const n of nodes) {
      const c = counts.get(n.zone) ?? { ready: 0, notReady: 0 };
      if (n.ready) c.ready++;
      else c.notReady++;
      counts.set(n.zone, c);
    }
    for (const zone of this.zones.keys()) if (!counts.has(zone)) this.zones.delete(zone);
    let allNow = counts.size > 0;
    const states = new Map<string, ZoneState>();
    for (const [zone, c] of counts) {
      const state = computeZoneState(c.ready, c.notReady, this.settings.unhealthyZoneThreshold);
      states.set(zone, state);
      if (state !== "FullDisruption") allNow = false;
    }
    const wasAll = this.allDisrupted;
    this.allDisrupted = allNow;
    for (const [zone, state] of states) {
      const size = (counts.get(zone)?.ready ?? 0) + (counts.get(zone)?.notReady ?? 0);
      const entry = this.zones.get(zone) ?? this.newZone(now);
      this.zones.set(zone, entry);
      this.refill(entry, now);
      entry.size = size;
      entry.state = state;
      const qps = allNow ? 0 : this.qpsFor(state, size);
      // As Kubernetes' SwapLimiter: a stopped zone never lets one through; a restarted one starts with its burst.
      if (qps === 0) entry.tokens = 0;
      else if (entry.qps === 0) entry.tokens = 1;
      entry.qps = qps;
    }
    if (allNow && !wasAll) return "entered";
    if (!allNow && wasAll) return "exited";
    return undefined;
  }

  /**
   * Asks to taint one node of `zone` now: 0 when allowed (a token is spent),
   * else how long (ms) until a token could be there; Infinity while the
   * zone's rate is zero.
   */
  takeTaintToken(zone: string, now: number): number {
    if (this.allDisrupted) return Infinity;
    let entry = this.zones.get(zone);
    if (!entry) {
      // A zone not seen by update() yet: Kubernetes starts it at the normal rate.
      entry = this.newZone(now);
      this.zones.set(zone, entry);
    }
    this.refill(entry, now);
    if (entry.tokens >= 1) {
      entry.tokens -= 1;
      return 0;
    }
    if (entry.qps <= 0) return Infinity;
    return Math.ceil(((1 - entry.tokens) / entry.qps) * 1000);
  }

  private newZone(now: number): Zone {
    return { state: "Initial", size: 0, qps: this.settings.evictionQps, tokens: 1, refilledAt: now };
  }

  private refill(entry: Zone, now: number): void {
    const elapsed = Math.max(0, now - entry.refilledAt) / 1000;
    entry.tokens = Math.min(1, entry.tokens + elapsed * entry.qps);
    entry.refilledAt = now;
  }

  /** Kubernetes' setLimiterInZone with HealthyQPSFunc / ReducedQPSFunc. */
  private qpsFor(state: ZoneState, size: number): number {
    if (state === "PartialDisruption") {
      return size > this.settings.largeClusterSizeThreshold ? this.settings.secondaryEvictionQps : 0;
    }
    return this.settings.evictionQps;
  }
}
