import type { Clock, TimerHandle } from "./clock.js";

interface FakeTimer {
  readonly seq: number;
  readonly dueAt: number;
  readonly fn: () => void;
}

/**
 * A clock that only moves when told to, for deterministic tests (client-go's
 * `testingclock.FakeClock`). Time starts at `startMs` and advances only in
 * `step`, which fires the timers that fall due in order of their due time
 * (ties in the order they were set), with `now()` reading each timer's due
 * time while it runs — so a timer set from a callback fires in the same step
 * if it falls due before the step ends.
 *
 * Timer callbacks run synchronously inside `step`; promises they settle are
 * observed by awaiting them afterwards.
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Set<FakeTimer>();

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: FakeTimer = { seq: this.#seq++, dueAt: this.#now + delay, fn };
    this.#timers.add(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as FakeTimer);
  }

  /** Advances time by `ms`, firing every timer that falls due on the way. */
  step(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`FakeClock.step: invalid duration ${ms}`);
    const target = this.#now + ms;
    for (let next = this.#nextDue(target); next; next = this.#nextDue(target)) {
      this.#timers.delete(next);
      this.#now = Math.max(this.#now, next.dueAt);
      next.fn();
    }
    this.#now = target;
  }

  /** How many timers are set and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** When the earliest pending timer falls due, or undefined if none is set. */
  nextTimerAt(): number | undefined {
    return this.#nextDue(Infinity)?.dueAt;
  }

  #nextDue(until: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.#timers) {
      if (t.dueAt > until) continue;
      if (!best || t.dueAt < best.dueAt || (t.dueAt === best.dueAt && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
