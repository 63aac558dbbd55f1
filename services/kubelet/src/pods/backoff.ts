/**
 * Per-key exponential back-off with Kubernetes' flowcontrol.Backoff rules
 * (no jitter, as the kubelet configures it): the first `next` starts at the
 * initial delay, each further one doubles it up to the maximum, and an entry
 * whose last update is more than twice the maximum older than the event is
 * forgotten (so a container that ran for 10 minutes with the default 5-minute
 * cap starts again at 10 s).
 */
export class Backoff {
  private readonly entries = new Map<string, { backoffMs: number; lastUpdate: number }>();

  constructor(
    readonly initialMs: number,
    readonly maxMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The current delay for `key` (0 when it has none). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Records a retry at `eventTime`: starts or doubles the delay. */
  next(key: string, eventTime: number): void {
    const entry = this.entries.get(key);
    const backoffMs =
      !entry || this.expired(eventTime, entry.lastUpdate)
        ? this.initialMs
        : Math.min(entry.backoffMs * 2, this.maxMs);
    this.entries.set(key, { backoffMs, lastUpdate: this.now() });
  }

  /** True while less than the delay has passed since `eventTime` (e.g. the container's exit). */
  isInBackOffSince(key: string, eventTime: number): boolean {
    const entry = this.entries.get(key);
    if (!entry || this.expired(eventTime, entry.lastUpdate)) return false;
    return this.now() - eventTime < entry.backoffMs;
  }

  /** True while less than the delay has passed since the last `next` (image pulls). */
  isInBackOffSinceUpdate(key: string, eventTime: number): boolean {
    const entry = this.entries.get(key);
    if (!entry || this.expired(eventTime, entry.lastUpdate)) return false;
    return eventTime - entry.lastUpdate < entry.backoffMs;
  }

  /** Milliseconds until the back-off started at `since` ends (0 if it has). */
  remaining(key: string, since: number): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    return Math.max(0, since + entry.backoffMs - this.now());
  }

  /** When `next` was last called for `key` (the current delay runs from then for pulls). */
  lastUpdate(key: string): number | undefined {
    return this.entries.get(key)?.lastUpdate;
  }

  /** Forgets entries nobody has touched for twice the maximum delay. */
  gc(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (this.expired(now, entry.lastUpdate)) this.entries.delete(key);
    }
  }

  /** Forgets every key that starts with `prefix` (a pod's keys when it goes). */
  forgetPrefix(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  private expired(eventTime: number, lastUpdate: number): boolean {
    return eventTime - lastUpdate > this.maxMs * 2;
  }
}
