import { performance } from "node:perf_hooks";

/** What `Clock.setTimeout` returns; only meaningful to the same clock's `clearTimeout`. */
export type TimerHandle = unknown;

/**
 * Where the work queue, its rate limiters and its metrics read time and set
 * timers, so that tests drive time by hand (see `FakeClock`) instead of
 * sleeping.
 *
 * - `now()` is in milliseconds from an arbitrary origin and never goes back;
 *   only differences between two readings mean anything.
 * - `setTimeout(fn, ms)` calls `fn` once, about `ms` (negative taken as 0)
 *   after the call, unless cleared first. Callers must tolerate a timer that
 *   fires a little early or late and re-check `now()`.
 * - `clearTimeout` of a handle that has fired or was cleared is a no-op.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

// Node fires a timer longer than 2^31-1 ms at once (with a warning); capping
// it is safe because every caller re-checks now() when its timer fires.
const maxNodeTimeoutMs = 2 ** 31 - 1;

/**
 * The process clock: `performance.now()` rather than `Date.now()`, because
 * back-offs and latencies must not jump when the wall clock is set.
 */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.min(Math.max(0, ms), maxNodeTimeoutMs)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
