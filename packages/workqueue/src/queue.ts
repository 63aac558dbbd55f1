import { realClock, type Clock } from "./clock.js";
import { WorkQueueMetrics, type QueueMetrics } from "./metrics.js";

/**
 * A queue of keys of work for a pool of async workers (client-go's
 * `workqueue.TypedInterface`). Keys are compared as `Set` members are: use
 * strings (`namespace/name`) or other primitives, or the very same object.
 *
 * - Fair: keys are handed out in the order in which they were added.
 * - Stingy: a key added several times before a worker takes it is handed out
 *   once. A key is never held by two workers at once: adding it while it is
 *   being processed only marks it dirty, and `done` puts it at the tail, so a
 *   change that arrives mid-reconcile is never lost nor raced.
 * - Many producers and consumers: every method but `get` and
 *   `shutDownWithDrain` completes synchronously, so each is atomic with
 *   respect to other tasks; waiting `get` calls are served in call order.
 * - Shut down: new adds are ignored; keys already waiting are still handed
 *   out, after which `get` resolves `undefined` and the worker should return.
 */
export interface Queue<K = string> {
  /** Marks `key` as needing processing. Idempotent until the key is handed out; ignored once shutting down. */
  add(key: K): void;
  /** Keys waiting to be handed out (not those in flight). For information only: gating add or get on it is racy. */
  len(): number;
  /**
   * Resolves with the next key, waiting for one if none is queued. The caller
   * owns the key until it calls `done(key)`, which it must do exactly once,
   * on success and on failure alike. Resolves `undefined` once the queue is
   * shutting down and empty.
   */
  get(): Promise<K | undefined>;
  /**
   * Ends the processing of `key`; if it was added again meanwhile it goes to
   * the tail of the queue. A no-op for a key that is not in flight.
   */
  done(key: K): void;
  /** Ignores further adds and makes idle and future `get` calls return `undefined` once the queue is empty. Idempotent. */
  shutDown(): void;
  /**
   * As `shutDown`, then resolves once every key in flight is `done` — which
   * therefore workers must call even after shutdown, or this never resolves.
   * Calling `shutDown` afterwards makes it resolve at once.
   */
  shutDownWithDrain(): Promise<void>;
  shuttingDown(): boolean;
}

export interface QueueOptions<K = string> {
  /** Names the queue to whoever exports its metrics. */
  name?: string;
  /** Where time is read and timers are set; defaults to the process clock. */
  clock?: Clock;
  /** Defaults to a `WorkQueueMetrics` on the same clock. */
  metrics?: QueueMetrics<K>;
}

/** A FIFO that does not copy the array on every shift. */
class Fifo<K> {
  #items: K[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: K): void {
    this.#items.push(item);
  }

  shift(): K | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head++];
    if (this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

/** The `Queue` (client-go's `workqueue.Typed`). */
export class WorkQueue<K extends NonNullable<unknown> = string> implements Queue<K> {
  readonly name: string;
  readonly metrics: QueueMetrics<K>;
  protected readonly clock: Clock;

  // Every key in #queue is in #dirty and not in #processing. A key in both
  // #dirty and #processing was added while in flight and is queued by done().
  readonly #queue = new Fifo<K>();
  readonly #dirty = new Set<K>();
  readonly #processing = new Set<K>();
  // Only non-empty while #queue is empty: add() hands keys straight to them.
  readonly #getters: ((key: K | undefined) => void)[] = [];
  readonly #drainers: (() => void)[] = [];
  #shuttingDown = false;

  constructor(options: QueueOptions<K> = {}) {
    this.name = options.name ?? "";
    this.clock = options.clock ?? realClock;
    this.metrics = options.metrics ?? new WorkQueueMetrics<K>({ clock: this.clock });
  }

  add(key: K): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.metrics.add(key);
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    this.#queue.push(key);
    this.#dispatch();
  }

  len(): number {
    return this.#queue.length;
  }

  get(): Promise<K | undefined> {
    const key = this.#take();
    if (key !== undefined || this.#shuttingDown) return Promise.resolve(key);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  done(key: K): void {
    if (!this.#processing.delete(key)) return;
    this.metrics.done(key);
    if (this.#dirty.has(key)) {
      this.#queue.push(key);
      this.#dispatch();
    }
    if (this.#processing.size === 0) this.#releaseDrainers();
  }

  shutDown(): void {
    this.#shutDown();
    // Forces a pending shutDownWithDrain to return, as in client-go.
    this.#releaseDrainers();
  }

  shutDownWithDrain(): Promise<void> {
    this.#shutDown();
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainers.push(resolve));
  }

  shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  #shutDown(): void {
    this.#shuttingDown = true;
    // Waiting getters imply an empty queue, so they are told to stop now.
    for (const resolve of this.#getters.splice(0)) resolve(undefined);
  }

  #take(): K | undefined {
    const key = this.#queue.shift();
    if (key === undefined) return undefined;
    this.metrics.get(key);
    this.#processing.add(key);
    this.#dirty.delete(key);
    return key;
  }

  #dispatch(): void {
    while (this.#getters.length > 0 && this.#queue.length > 0) {
      const resolve = this.#getters.shift();
      resolve?.(this.#take());
    }
  }

  #releaseDrainers(): void {
    for (const resolve of this.#drainers.splice(0)) resolve();
  }
}
