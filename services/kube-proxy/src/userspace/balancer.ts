/**
 * Round-robin over a Service port's ready endpoints, with optional ClientIP
 * session affinity (Kubernetes' userspace LoadBalancerRR).
 */

interface Affinity {
  endpoint: string;
  lastUsedMs: number;
}

interface PortState {
  endpoints: readonly string[];
  /** The next endpoint to hand out. */
  index: number;
  /** ClientIP affinity timeout; undefined = no affinity. */
  affinityMs: number | undefined;
  readonly affinity: Map<string, Affinity>;
}

export class RoundRobinBalancer {
  private readonly ports = new Map<string, PortState>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Sets a Service port's endpoints ("ip:port", in a stable order) and
   * affinity. The same endpoints as before change nothing; other endpoints
   * restart the rotation and drop affinities to endpoints that are gone, so
   * removed endpoints get no new connections at once.
   */
  update(key: string, endpoints: readonly string[], affinitySeconds?: number): void {
    const affinityMs = affinitySeconds === undefined ? undefined : affinitySeconds * 1000;
    const state = this.ports.get(key);
    if (!state) {
      this.ports.set(key, { endpoints: [...endpoints], index: 0, affinityMs, affinity: new Map() });
      return;
    }
    if (state.affinityMs !== affinityMs) {
      state.affinityMs = affinityMs;
      state.affinity.clear();
    }
    if (sameList(state.endpoints, endpoints)) return;
    state.endpoints = [...endpoints];
    state.index = 0;
    const present = new Set(endpoints);
    for (const [client, a] of state.affinity) if (!present.has(a.endpoint)) state.affinity.delete(client);
  }

  remove(key: string): void {
    this.ports.delete(key);
  }

  has(key: string): boolean {
    return this.ports.has(key);
  }

  endpoints(key: string): readonly string[] {
    return this.ports.get(key)?.endpoints ?? [];
  }

  /**
   * The endpoint for the next connection (or UDP session) of `clientIp`:
   * its affine endpoint while the affinity lasts, else the next in turn.
   * Endpoints in `exclude` (they just failed for this connection) are
   * skipped, and an affinity to one of them moves to the replacement.
   * undefined when no endpoint is left.
   */
  next(key: string, clientIp: string, exclude?: ReadonlySet<string>): string | undefined {
    const state = this.ports.get(key);
    if (!state || state.endpoints.length === 0) return undefined;
    const now = this.now();
    if (state.affinityMs !== undefined) {
      const a = state.affinity.get(clientIp);
      if (a && now - a.lastUsedMs <= state.affinityMs && !exclude?.has(a.endpoint)) {
        a.lastUsedMs = now;
        return a.endpoint;
      }
    }
    const n = state.endpoints.length;
    for (let tried = 0; tried < n; tried++) {
      const endpoint = state.endpoints[state.index % n];
      state.index = (state.index + 1) % n;
      if (endpoint === undefined || exclude?.has(endpoint)) continue;
      if (state.affinityMs !== undefined) state.affinity.set(clientIp, { endpoint, lastUsedMs: now });
      return endpoint;
    }
    return undefined;
  }

  /** Drops expired affinities (they are ignored anyway; this bounds memory). */
  sweep(): void {
    const now = this.now();
    for (const state of this.ports.values()) {
      if (state.affinityMs === undefined) continue;
      for (const [client, a] of state.affinity) {
        if (now - a.lastUsedMs > state.affinityMs) state.affinity.delete(client);
      }
    }
  }

  affinityCount(): number {
    let n = 0;
    for (const state of this.ports.values()) n += state.affinity.size;
    return n;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
