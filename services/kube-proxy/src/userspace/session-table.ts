/**
 * UDP "connections" for the userspace proxy: one session per client address
 * (ip:port), holding its backend socket, alive while packets flow in either
 * direction within the idle timeout.
 */

interface Entry<S> {
  readonly session: S;
  lastActiveMs: number;
}

export class SessionTable<S> {
  private readonly entries = new Map<string, Entry<S>>();

  /**
   * @param timeoutMs idle time after which a session is closed
   * @param close called once for every session that leaves the table
   */
  constructor(
    private readonly timeoutMs: number,
    private readonly close: (session: S, key: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The live session of `key`, marked active; an expired one is closed and undefined returned. */
  use(key: string): S | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const now = this.now();
    if (now - entry.lastActiveMs > this.timeoutMs) {
      this.remove(key);
      return undefined;
    }
    entry.lastActiveMs = now;
    return entry.session;
  }

  /** Adds a session (closing one already under `key`). */
  add(key: string, session: S): void {
    this.remove(key);
    this.entries.set(key, { session, lastActiveMs: this.now() });
  }

  /** Closes and forgets `key`'s session, if any. */
  remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.close(entry.session, key);
  }

  /** Closes every session matching `predicate` (e.g. those whose backend went away). */
  removeWhere(predicate: (session: S, key: string) => boolean): number {
    let n = 0;
    for (const [key, entry] of [...this.entries]) {
      if (predicate(entry.session, key)) {
        this.remove(key);
        n++;
      }
    }
    return n;
  }

  /** Closes sessions idle for longer than the timeout; returns how many. */
  sweep(): number {
    const now = this.now();
    return this.removeWhere((_, key) => {
      const entry = this.entries.get(key);
      return entry !== undefined && now - entry.lastActiveMs > this.timeoutMs;
    });
  }

  /** Closes everything. */
  clear(): void {
    this.removeWhere(() => true);
  }
}
