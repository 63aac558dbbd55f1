/**
 * Runs the proxy's sync when something changed, at most once per
 * `minIntervalMs` (changes in between are batched into one sync), never two
 * at once, again after `periodMs` without changes (to repair what someone
 * else broke), and with back-off after a failure (Kubernetes'
 * BoundedFrequencyRunner, simplified).
 */
export class SyncRunner {
  private pendingSince: number | undefined;
  private lastStart = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private failures = 0;

  /**
   * @param sync gets the time (performance.now()) of the oldest change it
   *   includes, or undefined for a periodic resync; a rejection is retried
   */
  constructor(
    private readonly sync: (pendingSinceMs: number | undefined) => Promise<void>,
    private readonly options: {
      readonly minIntervalMs: number;
      readonly periodMs: number;
      readonly onError: (err: unknown, failures: number) => void;
    },
  ) {}

  /** Something changed: sync soon. */
  request(): void {
    this.pendingSince ??= performance.now();
    this.schedule(0);
  }

  /** Syncs now (unless one is running, which then covers the request) and resolves when done. */
  async runNow(): Promise<void> {
    this.pendingSince ??= performance.now();
    await this.runOnce();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(minDelayMs: number): void {
    if (this.running || this.stopped) return;
    clearTimeout(this.timer);
    const wait = Math.max(minDelayMs, this.lastStart + this.options.minIntervalMs - performance.now(), 0);
    this.timer = setTimeout(() => void this.runOnce(), wait);
  }

  private async runOnce(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    clearTimeout(this.timer);
    const since = this.pendingSince;
    this.pendingSince = undefined;
    this.lastStart = performance.now();
    try {
      await this.sync(since);
      this.failures = 0;
    } catch (err) {
      this.failures++;
      this.pendingSince ??= since ?? performance.now();
      this.options.onError(err, this.failures);
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    if (this.pendingSince !== undefined) {
      this.schedule(this.failures > 0 ? Math.min(30_000, 500 * 2 ** (this.failures - 1)) : 0);
    } else {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.runOnce(), this.options.periodMs);
    }
  }
}
