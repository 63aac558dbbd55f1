import { DelayingWorkQueue, type DelayingQueue } from "./delaying-queue.js";
import type { QueueOptions } from "./queue.js";
import { defaultControllerRateLimiter, type RateLimiter } from "./rate-limiters.js";

/**
 * A `DelayingQueue` that retries through a `RateLimiter` (client-go's
 * `TypedRateLimitingInterface`). The usual worker: on success `forget(key)`,
 * on a retryable failure `addRateLimited(key)`, and in both cases `done(key)`.
 * Forgetting matters: a key never forgotten keeps its back-off for good.
 */
export interface RateLimitingQueue<K = string> extends DelayingQueue<K> {
  /** Adds `key` after the wait the limiter gives it, counting one more requeue. Ignored once shutting down. */
  addRateLimited(key: K): void;
  /** Stops the limiter tracking `key` (success or giving up). Does not remove it from the queue nor end its processing. */
  forget(key: K): void;
  /** How many times `key` has been requeued through `addRateLimited` since it was last forgotten. */
  numRequeues(key: K): number;
}

export interface RateLimitingQueueOptions<K = string> extends QueueOptions<K> {
  /** Defaults to `defaultControllerRateLimiter` on the queue's clock. */
  rateLimiter?: RateLimiter<K>;
}

/** The `RateLimitingQueue`. */
export class RateLimitingWorkQueue<K extends NonNullable<unknown> = string>
  extends DelayingWorkQueue<K>
  implements RateLimitingQueue<K>
{
  readonly rateLimiter: RateLimiter<K>;

  constructor(options: RateLimitingQueueOptions<K> = {}) {
    super(options);
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<K>(this.clock);
  }

  addRateLimited(key: K): void {
    // Checked here too, so a retry refused at shutdown does not grow the back-off.
    if (this.shuttingDown()) return;
    this.addAfter(key, this.rateLimiter.when(key));
  }

  forget(key: K): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.rateLimiter.numRequeues(key);
  }
}
