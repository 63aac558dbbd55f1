import type { Logger } from "@ktl/service";

/** What a sync tells the workers. */
export interface WorkResult {
  readonly requeueAfterMs?: number;
  /** Nothing is left to do for this key: forget it (a later `enqueue` starts afresh). */
  readonly finished?: boolean;
}

export interface PodWorkersOptions {
  /** Runs one sync of `key`; never called twice at once for the same key. */
  readonly sync: (key: string) => Promise<WorkResult>;
  readonly log: Logger;
  /** Every key is synced again this long after its last sync (±10 %), to catch what no event reports; 0 = never. */
  readonly resyncMs: number;
  /** First retry delay after a failed sync, doubling up to `maxRetryMs`. */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
}

interface Worker {
  running: Promise<void> | undefined;
  dirty: boolean;
  timer: NodeJS.Timeout | undefined;
  /** When the timer fires, ms since the epoch. */
  due: number;
  failures: number;
}

/**
 * One worker per pod (the kubelet's podWorkers): syncs of a pod are
 * serialized, different pods sync concurrently, and a request that arrives
 * during a sync runs once more right after it (requests coalesce, none is
 * lost). Delayed requests keep only the earliest deadline per pod. Failed
 * syncs are retried with exponential back-off. Timers are unref'd, so idle
 * workers never keep the process alive.
 */
export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private stopped = false;

  constructor(private readonly options: PodWorkersOptions) {}

  /** Syncs `key` as soon as its worker is free. */
  enqueue(key: string): void {
    if (this.stopped) return;
    const w = this.worker(key);
    w.dirty = true;
    w.running ??= this.run(key, w);
  }

  /** Syncs `key` after `delayMs`, unless it is already due sooner. */
  enqueueAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    const w = this.worker(key);
    const due = Date.now() + delayMs;
    if (w.timer && w.due <= due) return;
    clearTimeout(w.timer);
    w.due = due;
    w.timer = setTimeout(() => {
      w.timer = undefined;
      this.enqueue(key);
    }, delayMs);
    w.timer.unref();
  }

  has(key: string): boolean {
    return this.workers.has(key);
  }

  keys(): string[] {
    return [...this.workers.keys()];
  }

  /** Stops taking work and resolves once every sync in flight has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    const running: Promise<void>[] = [];
    for (const w of this.workers.values()) {
      clearTimeout(w.timer);
      w.dirty = false;
      if (w.running) running.push(w.running);
    }
    await Promise.all(running);
  }

  private worker(key: string): Worker {
    let w = this.workers.get(key);
    if (!w) {
      w = { running: undefined, dirty: false, timer: undefined, due: 0, failures: 0 };
      this.workers.set(key, w);
    }
    return w;
  }

  private async run(key: string, w: Worker): Promise<void> {
    // Let the caller's turn finish first, so several events in one tick make one sync.
    await Promise.resolve();
    while (w.dirty && !this.stopped) {
      w.dirty = false;
      let result: WorkResult;
      try {
        result = await this.options.sync(key);
        w.failures = 0;
      } catch (err) {
        if (this.stopped) break;
        const retry = Math.min(
          (this.options.retryMs ?? 1000) * 2 ** w.failures,
          this.options.maxRetryMs ?? 30_000,
        );
        w.failures++;
        this.options.log.warn("pod sync failed", { pod: key, err: (err as Error).message, retryInMs: retry });
        this.enqueueAfter(key, retry);
        continue;
      }
      if (result.finished && !w.dirty) {
        clearTimeout(w.timer);
        this.workers.delete(key);
        return;
      }
      if (result.requeueAfterMs !== undefined) this.enqueueAfter(key, result.requeueAfterMs);
      if (this.options.resyncMs > 0) {
        this.enqueueAfter(key, this.options.resyncMs * (0.9 + Math.random() * 0.2));
      }
    }
    w.running = undefined;
  }
}
