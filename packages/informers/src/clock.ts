/**
 * Time as the reflector and the informers see it. Injecting it lets tests run
 * back-off and resync schedules without waiting, as client-go injects
 * `k8s.io/utils/clock`.
 */
export interface Clock {
  /** Milliseconds since some fixed origin. */
  now(): number;
  /**
   * Resolves after `ms`, or as soon as `signal` aborts. It never rejects:
   * loops check `signal.aborted` after waking, which keeps shutdown a normal
   * return rather than an error to filter out.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
    }),
};

interface Sleeper {
  readonly at: number;
  readonly ms: number;
  readonly wake: () => void;
}

/**
 * A clock that only moves when told to. Sleeps stay pending until `advance`
 * passes their deadline (or their signal aborts), so a test can inspect which
 * delay a component chose before letting it continue.
 */
export class FakeClock implements Clock {
  private time: number;
  private sleepers: Sleeper[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const sleeper: Sleeper = {
        at: this.time + ms,
        ms,
        wake: () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          signal?.removeEventListener("abort", sleeper.wake);
          resolve();
        },
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener("abort", sleeper.wake, { once: true });
    });
  }

  /** The durations of the sleeps still pending, in the order they began. */
  pending(): number[] {
    return this.sleepers.map((s) => s.ms);
  }

  /** Moves time forward and wakes every sleeper whose deadline has passed. */
  advance(ms: number): void {
    this.time += ms;
    for (const sleeper of [...this.sleepers].sort((a, b) => a.at - b.at)) {
      if (sleeper.at <= this.time) sleeper.wake();
    }
  }
}
