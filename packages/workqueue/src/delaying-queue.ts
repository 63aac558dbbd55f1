import type { TimerHandle } from "./clock.js";
import { Heap } from "./internal/heap.js";
import { WorkQueue, type Queue } from "./queue.js";

/**
 * A `Queue` that can also add a key later (client-go's
 * `TypedDelayingInterface`), to requeue after a failure or a
 * `requeueAfterMs` without a hot loop.
 *
 * - A delayed key is `add`ed once its time has come, with the de-duplication
 *   of `add`: if it is already waiting it is not queued twice.
 * - Adding a key that is already waiting for its time keeps the earlier of
 *   the two times; it is never added twice by the same wait.
 * - Keys whose times have come are added in time order; equal times in the
 *   order of their `addAfter` calls.
 * - A delay ≤ 0 adds at once. Keys still waiting at shutdown are dropped.
 */
export interface DelayingQueue<K = string> extends Queue<K> {
  /** Adds `key` after `delayMs`; ignored once shutting down. */
  addAfter(key: K, delayMs: number): void;
}

interface Waiting<K> {
  readonly key: K;
  readyAt: number;
  /** Breaks ties between equal ready times in call order. */
  seq: number;
  index: number;
}

/**
 * The `DelayingQueue`. Waiting keys sit in a heap by ready time with one
 * clock timer set for the earliest, instead of client-go's goroutine with a
 * 10 s heartbeat: a timer per key would cost as many timers as there are
 * failing objects.
 */
export class DelayingWorkQueue<K extends NonNullable<unknown> = string>
  extends WorkQueue<K>
  implements DelayingQueue<K>
{
  readonly #waiting = new Heap<Waiting<K>>(
    (a, b) => a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq),
  );
  readonly #waitingByKey = new Map<K, Waiting<K>>();
  #seq = 0;
  #timer: { handle: TimerHandle; at: number } | undefined;

  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown()) return;
    this.metrics.retry();
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + delayMs;
    const existing = this.#waitingByKey.get(key);
    if (existing) {
      if (readyAt < existing.readyAt) {
        existing.readyAt = readyAt;
        existing.seq = this.#seq++;
        this.#waiting.fix(existing);
      }
    } else {
      const entry: Waiting<K> = { key, readyAt, seq: this.#seq++, index: -1 };
      this.#waiting.push(entry);
      this.#waitingByKey.set(key, entry);
    }
    this.#arm();
  }

  /** Keys waiting for their time (not counted by `len`). */
  waitingLen(): number {
    return this.#waiting.size;
  }

  override shutDown(): void {
    this.#stop();
    super.shutDown();
  }

  override shutDownWithDrain(): Promise<void> {
    this.#stop();
    return super.shutDownWithDrain();
  }

  /** Adds the keys whose time has come, then sets the timer for the next one. */
  #fire(): void {
    this.#timer = undefined;
    const now = this.clock.now();
    for (let next = this.#waiting.peek(); next && next.readyAt <= now; next = this.#waiting.peek()) {
      this.#waiting.pop();
      this.#waitingByKey.delete(next.key);
      this.add(next.key);
    }
    this.#arm();
  }

  /** Keeps exactly one timer, set for the earliest ready time. */
  #arm(): void {
    const next = this.#waiting.peek();
    if (this.#timer && this.#timer.at === next?.readyAt) return;
    if (this.#timer) this.clock.clearTimeout(this.#timer.handle);
    this.#timer = undefined;
    if (!next) return;
    const delay = Math.max(0, next.readyAt - this.clock.now());
    this.#timer = { handle: this.clock.setTimeout(() => this.#fire(), delay), at: next.readyAt };
  }

  #stop(): void {
    if (this.#timer) this.clock.clearTimeout(this.#timer.handle);
    this.#timer = undefined;
    this.#waiting.clear();
    this.#waitingByKey.clear();
  }
}
