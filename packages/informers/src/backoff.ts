import { realClock, type Clock } from "./clock.js";

export interface BackoffOptions {
  /** The first delay before jitter. */
  readonly initialMs?: number;
  /** The cap on the delay before jitter. */
  readonly maxMs?: number;
  /** How much the delay grows after each failure. */
  readonly factor?: number;
  /** Each delay is `base × (1 + jitter × random())`; 0 turns jitter off. */
  readonly jitter?: number;
  /** After this long without a retry the connection counts as healthy and the delay starts over. */
  readonly resetAfterMs?: number;
}

/**
 * client-go's reflector settings (kubernetes#87794, PR #87795): the reflector
 * used to retry every second, so when an apiserver restarted thousands of
 * clients came back in lock-step and knocked it over again. Retries now start
 * at 800 ms, double up to 30 s, are spread by up to +100 % jitter (so a capped
 * client retries every 30–60 s) and start over after two quiet minutes.
 */
export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  initialMs: 800,
  maxMs: 30_000,
  factor: 2,
  jitter: 1,
  resetAfterMs: 120_000,
};

/**
 * Jittered exponential back-off with a cap and a reset after a healthy period
 * (client-go's `ExponentialBackoffManager`). Not safe to share between
 * independent retry loops: each loop owns one.
 */
export class Backoff {
  private readonly options: Required<BackoffOptions>;
  private readonly clock: Clock;
  private readonly random: () => number;
  private base: number;
  /** When the last retry was due; undefined before the first failure. */
  private lastRetryAt: number | undefined;

  constructor(options: BackoffOptions = {}, deps: { clock?: Clock; random?: () => number } = {}) {
    this.options = { ...DEFAULT_BACKOFF, ...options };
    this.clock = deps.clock ?? realClock;
    this.random = deps.random ?? Math.random;
    this.base = this.options.initialMs;
  }

  /**
   * The delay before the next attempt, in ms. The healthy period is measured
   * from when the previous retry was due rather than from when it was asked
   * for (as client-go does), so a long wait is not itself mistaken for health.
   */
  next(): number {
    const now = this.clock.now();
    if (this.lastRetryAt === undefined || now - this.lastRetryAt >= this.options.resetAfterMs) {
      this.base = this.options.initialMs;
    }
    const delay = Math.round(this.base * (1 + this.options.jitter * this.random()));
    this.base = Math.min(this.base * this.options.factor, this.options.maxMs);
    this.lastRetryAt = now + delay;
    return delay;
  }
}
