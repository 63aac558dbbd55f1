import type { Event } from "@ktl/api";

/** client-go's defaults (tools/record/events_cache.go): 25 events at once, then one per 5 minutes. */
export const SPAM_BURST = 25;
export const SPAM_QPS = 1 / 300;
/** Entries kept in each cache (client-go's maxLruCacheEntries). */
export const MAX_CACHE_ENTRIES = 4096;

/** A small LRU on Map's insertion order: a hit moves the entry to the end. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }
  get size(): number {
    return this.map.size;
  }
}

/** A token bucket: `burst` tokens, refilled at `qps` per second. */
class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly burst: number,
    private readonly qps: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }
  tryAccept(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * The spam key: source and involved object, as the brief and client-go's
 * original EventSourceObjectSpamFilter have it, so a crash-looping pod
 * cannot flood the bus whatever reasons it cycles through.
 */
export function spamKey(event: Event): string {
  const o = event.involvedObject ?? {};
  return [event.source?.component, event.source?.host, o.kind, o.namespace, o.name, o.uid, o.apiVersion]
    .map((s) => s ?? "")
    .join("\u0000");
}

/** client-go's getEventKey: what makes two events "the same" for counting. */
export function aggregationKey(event: Event): string {
  const o = event.involvedObject ?? {};
  return [
    event.source?.component,
    event.source?.host,
    o.kind,
    o.namespace,
    o.name,
    o.fieldPath,
    o.uid,
    o.apiVersion,
    event.type,
    event.reason,
    event.message,
  ]
    .map((s) => s ?? "")
    .join("\u0000");
}

interface Seen {
  readonly name: string;
  readonly uid: string;
  readonly firstTimestamp: string;
  readonly creationTimestamp: string;
  count: number;
}

export type Correlation = { readonly skip: true } | { readonly skip: false; readonly event: Event };

/**
 * Client-side aggregation and spam filtering, as client-go's EventCorrelator:
 * an event identical to one seen before (same aggregation key) becomes that
 * event again with count+1 and a new lastTimestamp, and every source+object
 * gets a token bucket so a crash loop cannot flood the bus. Synchronous and
 * bounded in memory (LRU caches).
 */
export class EventCorrelator {
  private readonly seen = new Lru<Seen>(MAX_CACHE_ENTRIES);
  private readonly buckets = new Lru<TokenBucket>(MAX_CACHE_ENTRIES);

  constructor(private readonly options: { burst?: number; qps?: number; now?: () => number } = {}) {}

  /**
   * `event` is new as far as the caller knows (count 1, fresh name and
   * timestamps); the result is what to publish: it, or the earlier event it
   * repeats with count+1. `skip` when the source+object is over its rate.
   */
  correlate(event: Event): Correlation {
    const now = (this.options.now ?? Date.now)();
    const spam = spamKey(event);
    let bucket = this.buckets.get(spam);
    if (!bucket) {
      bucket = new TokenBucket(this.options.burst ?? SPAM_BURST, this.options.qps ?? SPAM_QPS, now);
      this.buckets.set(spam, bucket);
    }
    if (!bucket.tryAccept(now)) return { skip: true };

    const key = aggregationKey(event);
    const previous = this.seen.get(key);
    if (!previous) {
      this.seen.set(key, {
        name: event.metadata?.name ?? "",
        uid: event.metadata?.uid ?? "",
        firstTimestamp: event.firstTimestamp ?? "",
        creationTimestamp: event.metadata?.creationTimestamp ?? event.firstTimestamp ?? "",
        count: event.count ?? 1,
      });
      return { skip: false, event };
    }
    previous.count += 1;
    return {
      skip: false,
      event: {
        ...event,
        metadata: {
          ...event.metadata,
          name: previous.name,
          uid: previous.uid,
          creationTimestamp: previous.creationTimestamp,
        },
        firstTimestamp: previous.firstTimestamp,
        count: previous.count,
      },
    };
  }
}
