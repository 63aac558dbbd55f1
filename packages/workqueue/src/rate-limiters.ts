import { realClock, type Clock } from "./clock.js";

/**
 * Decides how long a key waits before it is retried (client-go's
 * `TypedRateLimiter`).
 *
 * - `when(key)` records one more requeue of `key` and returns the wait in
 *   milliseconds (≥ 0). It is not a query: call it once per retry.
 * - `forget(key)` stops tracking `key` — after a success, or when giving up —
 *   so its next failure starts from the shortest wait. Idempotent. It does
 *   not touch the queue: the worker still calls `done`.
 * - `numRequeues(key)` is how many requeues are being tracked for `key`;
 *   limiters that do not track keys return 0.
 * All three are synchronous; limiters may keep state per key until `forget`.
 */
export interface RateLimiter<K = string> {
  when(key: K): number;
  forget(key: K): void;
  numRequeues(key: K): number;
}

function checkMs(what: string, ms: number): void {
  if (!(ms >= 0)) throw new RangeError(`${what} must be a duration ≥ 0 ms, got ${ms}`);
}

/**
 * Per-key exponential back-off: `baseMs · 2^failures`, capped at `maxMs`
 * (client-go's `ItemExponentialFailureRateLimiter`). With the defaults a key
 * waits 5 ms, 10 ms, 20 ms, …, and from its 19th failure in a row the full
 * 1000 s cap.
 */
export class ItemExponentialFailureRateLimiter<K = string> implements RateLimiter<K> {
  readonly #failures = new Map<K, number>();
  readonly #baseMs: number;
  readonly #maxMs: number;

  constructor(baseMs: number, maxMs: number) {
    checkMs("ItemExponentialFailureRateLimiter baseMs", baseMs);
    checkMs("ItemExponentialFailureRateLimiter maxMs", maxMs);
    this.#baseMs = baseMs;
    this.#maxMs = maxMs;
  }

  when(key: K): number {
    const exp = this.#failures.get(key) ?? 0;
    this.#failures.set(key, exp + 1);
    // 2 ** exp overflows to Infinity past 1023, which the cap absorbs.
    return Math.min(this.#baseMs * 2 ** exp, this.#maxMs);
  }

  forget(key: K): void {
    this.#failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.#failures.get(key) ?? 0;
  }
}

/**
 * A token bucket shared by all keys (client-go's `BucketRateLimiter` over
 * `rate.Limiter`): it starts full with `burst` tokens and refills at `qps`
 * per second. Every `when` takes a token, going into debt when none is left,
 * and returns how long until that token will have been refilled — so a storm
 * of retries is spread out to `qps` overall. It tracks no key.
 */
export class BucketRateLimiter<K = string> implements RateLimiter<K> {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(qps: number, burst: number, clock: Clock = realClock) {
    if (!(qps > 0)) throw new RangeError(`BucketRateLimiter qps must be > 0, got ${qps}`);
    if (!(burst >= 1)) throw new RangeError(`BucketRateLimiter burst must be ≥ 1, got ${burst}`);
    this.#qps = qps;
    this.#burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#last = clock.now();
  }

  when(_key: K): number {
    if (this.#qps === Infinity) return 0;
    const now = this.#clock.now();
    const elapsedMs = Math.max(0, now - this.#last);
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsedMs * this.#qps) / 1000);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#qps) * 1000;
  }

  forget(_key: K): void {}

  numRequeues(_key: K): number {
    return 0;
  }
}

/**
 * The longest wait of several limiters (client-go's `MaxOfRateLimiter`). Every
 * limiter is asked on every `when`, so each keeps its own count.
 */
export class MaxOfRateLimiter<K = string> implements RateLimiter<K> {
  readonly #limiters: readonly RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.#limiters = limiters;
  }

  when(key: K): number {
    let ms = 0;
    for (const limiter of this.#limiters) ms = Math.max(ms, limiter.when(key));
    return ms;
  }

  forget(key: K): void {
    for (const limiter of this.#limiters) limiter.forget(key);
  }

  numRequeues(key: K): number {
    let n = 0;
    for (const limiter of this.#limiters) n = Math.max(n, limiter.numRequeues(key));
    return n;
  }
}

/**
 * client-go's `DefaultControllerRateLimiter`: per-key exponential back-off
 * from 5 ms to 1000 s, and overall no more than 10 retries a second after a
 * burst of 100.
 */
export function defaultControllerRateLimiter<K = string>(clock: Clock = realClock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ItemExponentialFailureRateLimiter<K>(5, 1_000_000),
    new BucketRateLimiter<K>(10, 100, clock),
  );
}
