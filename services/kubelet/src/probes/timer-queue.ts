/**
 * Many timers on one OS timer. A kubelet probes every container every few
 * seconds and a hollow process runs thousands of node heartbeats: a binary
 * min-heap keyed by due time keeps that at one armed `setTimeout` (the
 * earliest), O(log n) to add and to fire, O(1) to cancel.
 */

/** Time and the one OS timer, injectable so tests can drive them. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A scheduled callback; cancelling a fired or cancelled one does nothing. */
export interface TimerHandle {
  cancel(): void;
}

interface Entry {
  readonly due: number;
  /** Insertion order: equal due times fire first come, first served. */
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** setTimeout's ceiling (about 24.8 days); later timers re-arm on the way. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Callbacks run in due-time order on the event loop, never re-entrantly from
 * `schedule`. A throwing callback is reported to `onError` and does not stop
 * the others. After `stop()` nothing fires and `schedule` is a no-op.
 */
export class TimerQueue {
  private readonly heap: Entry[] = [];
  private seq = 0;
  private cancelled = 0;
  private armed: { due: number; handle: unknown } | undefined;
  private stopped = false;

  constructor(
    readonly clock: Clock = SYSTEM_CLOCK,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Live (not yet fired, not cancelled) timers. */
  get size(): number {
    return this.heap.length - this.cancelled;
  }

  /** Runs `fn` at `dueMs` (epoch ms), or as soon as possible when that has passed. */
  schedule(dueMs: number, fn: () => void): TimerHandle {
    const entry: Entry = { due: dueMs, seq: this.seq++, fn, cancelled: false };
    if (this.stopped) return { cancel: () => undefined };
    this.push(entry);
    this.arm();
    return {
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        this.cancelled++;
        // Lazy deletion; compact when the dead outnumber the living.
        if (this.cancelled > 64 && this.cancelled * 2 > this.heap.length) this.compact();
      },
    };
  }

  /** Runs `fn` after `delayMs`. */
  after(delayMs: number, fn: () => void): TimerHandle {
    return this.schedule(this.clock.now() + delayMs, fn);
  }

  stop(): void {
    this.stopped = true;
    if (this.armed) this.clock.clearTimeout(this.armed.handle);
    this.armed = undefined;
    this.heap.length = 0;
    this.cancelled = 0;
  }

  private fire(): void {
    this.armed = undefined;
    const now = this.clock.now();
    // Timers scheduled by these callbacks wait for the next turn, so a
    // callback that re-schedules itself "now" cannot starve the event loop.
    const limit = this.seq;
    for (;;) {
      const top = this.heap[0];
      if (!top || top.due > now || top.seq >= limit || this.stopped) break;
      this.pop();
      if (top.cancelled) {
        this.cancelled--;
        continue;
      }
      // Fired entries count as cancelled for a later cancel() call.
      top.cancelled = true;
      try {
        top.fn();
      } catch (err) {
        this.onError(err);
      }
    }
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    while (this.heap[0]?.cancelled) {
      this.pop();
      this.cancelled--;
    }
    const top = this.heap[0];
    if (!top) {
      if (this.armed) this.clock.clearTimeout(this.armed.handle);
      this.armed = undefined;
      return;
    }
    if (this.armed && this.armed.due <= top.due) return;
    if (this.armed) this.clock.clearTimeout(this.armed.handle);
    const delay = Math.min(MAX_DELAY_MS, Math.max(0, top.due - this.clock.now()));
    this.armed = { due: top.due, handle: this.clock.setTimeout(() => this.fire(), delay) };
  }

  private compact(): void {
    const live = this.heap.filter((e) => !e.cancelled);
    this.heap.length = 0;
    this.cancelled = 0;
    for (const e of live) this.push(e);
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Entry;
      if (!before(entry, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      let child = left;
      if (right < heap.length && before(heap[right] as Entry, heap[left] as Entry)) child = right;
      const c = heap[child] as Entry;
      if (!before(c, last)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
