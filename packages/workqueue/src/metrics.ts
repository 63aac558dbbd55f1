import { realClock, type Clock } from "./clock.js";

/**
 * The metrics of one queue (client-go's `queueMetrics` plus `retryMetrics`):
 * the queue calls the recording methods, exporters call `snapshot()`.
 *
 * Contract of the recording calls, which the queue keeps and an
 * implementation may rely on:
 * - `add(key)` when a key becomes dirty: once per key until it is handed out,
 *   however many times it is added meanwhile;
 * - `get(key)` when the key is handed to a worker (after its `add`);
 * - `done(key)` exactly once after each `get(key)`;
 * - `retry()` on every delayed or rate-limited add, even one later dropped as
 *   a duplicate.
 * The calls are synchronous and never re-entered; an implementation must not
 * throw from them (the queue does not catch). `snapshot()` is a copy: later
 * activity does not change it.
 */
export interface QueueMetrics<K = string> {
  add(key: K): void;
  get(key: K): void;
  done(key: K): void;
  retry(): void;
  snapshot(): QueueMetricsSnapshot;
}

/** A latency distribution in milliseconds. Quantiles are 0 while `count` is 0. */
export interface LatencySummary {
  readonly count: number;
  readonly sumMs: number;
  readonly maxMs: number;
  /** Estimated from the buckets (as Prometheus' `histogram_quantile`), clamped to the observed range. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Cumulative counts: observations ≤ `leMs`; the last bucket is `Infinity`. */
  readonly buckets: readonly { readonly leMs: number; readonly count: number }[];
}

export interface QueueMetricsSnapshot {
  /** Keys added and not yet handed out (client-go's `depth`, which counts dirty keys). */
  readonly depth: number;
  /** Keys that became dirty, in total (`adds_total`). */
  readonly adds: number;
  /** Delayed and rate-limited adds, in total (`retries_total`). */
  readonly retries: number;
  /** From the first add of a key to its hand-out (`queue_duration_seconds`). */
  readonly queueLatency: LatencySummary;
  /** From hand-out to `done` — the reconcile time (`work_duration_seconds`). */
  readonly workDuration: LatencySummary;
  /** Summed age of the keys in flight now (`unfinished_work_seconds`): grows while a worker is stuck. */
  readonly unfinishedWorkMs: number;
  /** Age of the oldest key in flight now (`longest_running_processor_seconds`). */
  readonly longestRunningProcessorMs: number;
}

/** 0.1 ms to 1000 s in 1-2-5 steps: covers a cache hit as well as the longest back-off. */
export const DEFAULT_LATENCY_BUCKETS_MS: readonly number[] = [
  0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000,
  200_000, 500_000, 1_000_000,
];

/**
 * A fixed-bucket histogram: constant memory and O(buckets) per observation
 * however long the process runs, and the buckets map one to one onto a
 * Prometheus histogram when the services export it. The price is that
 * quantiles are estimates, exact only to the bucket.
 */
export class LatencyHistogram {
  readonly #bounds: readonly number[];
  readonly #counts: number[];
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = 0;

  constructor(boundsMs: readonly number[] = DEFAULT_LATENCY_BUCKETS_MS) {
    for (let i = 1; i < boundsMs.length; i++) {
      if (!((boundsMs[i] ?? NaN) > (boundsMs[i - 1] ?? NaN))) {
        throw new RangeError("LatencyHistogram: bucket bounds must increase");
      }
    }
    this.#bounds = [...boundsMs, Infinity];
    this.#counts = this.#bounds.map(() => 0);
  }

  observe(ms: number): void {
    const v = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const i = this.#bounds.findIndex((le) => v <= le);
    this.#counts[i] = (this.#counts[i] ?? 0) + 1;
    this.#count++;
    this.#sum += v;
    this.#min = Math.min(this.#min, v);
    this.#max = Math.max(this.#max, v);
  }

  /** The estimated `q`-quantile (0 ≤ q ≤ 1), or 0 with no observations. */
  quantile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.min(Math.max(q, 0), 1) * this.#count;
    let below = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      const inBucket = this.#counts[i] ?? 0;
      if (inBucket > 0 && below + inBucket >= rank) {
        const lower = Math.max(i === 0 ? 0 : (this.#bounds[i - 1] ?? 0), this.#min);
        const upper = Math.min(this.#bounds[i] ?? Infinity, this.#max);
        return lower + (upper - lower) * ((rank - below) / inBucket);
      }
      below += inBucket;
    }
    return this.#max;
  }

  summary(): LatencySummary {
    let cumulative = 0;
    const buckets = this.#bounds.map((leMs, i) => ({ leMs, count: (cumulative += this.#counts[i] ?? 0) }));
    return {
      count: this.#count,
      sumMs: this.#sum,
      maxMs: this.#max,
      p50Ms: this.quantile(0.5),
      p99Ms: this.quantile(0.99),
      buckets,
    };
  }
}

/**
 * The default `QueueMetrics`: counters and histograms kept in the process.
 * The in-flight figures are computed when a snapshot is taken, so unlike
 * client-go no ticker runs to refresh them.
 */
export class WorkQueueMetrics<K = string> implements QueueMetrics<K> {
  readonly #clock: Clock;
  readonly #addTimes = new Map<K, number>();
  readonly #processingStart = new Map<K, number>();
  readonly #queueLatency: LatencyHistogram;
  readonly #workDuration: LatencyHistogram;
  #depth = 0;
  #adds = 0;
  #retries = 0;

  constructor(options: { clock?: Clock; bucketsMs?: readonly number[] } = {}) {
    this.#clock = options.clock ?? realClock;
    this.#queueLatency = new LatencyHistogram(options.bucketsMs);
    this.#workDuration = new LatencyHistogram(options.bucketsMs);
  }

  add(key: K): void {
    this.#adds++;
    this.#depth++;
    // A key re-added while in flight keeps the time of its first add, so the
    // latency it reports includes the wait for the running worker.
    if (!this.#addTimes.has(key)) this.#addTimes.set(key, this.#clock.now());
  }

  get(key: K): void {
    const now = this.#clock.now();
    this.#depth--;
    const addedAt = this.#addTimes.get(key);
    if (addedAt !== undefined) {
      this.#queueLatency.observe(now - addedAt);
      this.#addTimes.delete(key);
    }
    this.#processingStart.set(key, now);
  }

  done(key: K): void {
    const startedAt = this.#processingStart.get(key);
    if (startedAt === undefined) return;
    this.#workDuration.observe(this.#clock.now() - startedAt);
    this.#processingStart.delete(key);
  }

  retry(): void {
    this.#retries++;
  }

  snapshot(): QueueMetricsSnapshot {
    const now = this.#clock.now();
    let unfinishedWorkMs = 0;
    let longestRunningProcessorMs = 0;
    for (const startedAt of this.#processingStart.values()) {
      const age = now - startedAt;
      unfinishedWorkMs += age;
      longestRunningProcessorMs = Math.max(longestRunningProcessorMs, age);
    }
    return {
      depth: this.#depth,
      adds: this.#adds,
      retries: this.#retries,
      queueLatency: this.#queueLatency.summary(),
      workDuration: this.#workDuration.summary(),
      unfinishedWorkMs,
      longestRunningProcessorMs,
    };
  }
}
