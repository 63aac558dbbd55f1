import type { RateLimitingQueue } from "@ktl/workqueue";
import { TerminalError, type Reconciler } from "./reconciler.js";

export interface WorkerLog {
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface RunWorkersOptions {
  readonly name: string;
  readonly queue: RateLimitingQueue<string>;
  readonly reconciler: Reconciler;
  readonly workers: number;
  readonly signal: AbortSignal;
  readonly log: WorkerLog;
  /** Retries of one key before it is dropped (it comes back with the next event or resync). */
  readonly maxRetries?: number;
}

/**
 * Runs `workers` loops that take keys from the queue and reconcile them, as
 * client-go's processNextWorkItem: the queue guarantees one worker per key at
 * a time; success forgets the key's back-off, failure re-adds it rate-limited,
 * a requested requeue re-adds it after the delay. Resolves when the signal
 * aborts and in-flight reconciles have finished.
 */
export async function runWorkers(options: RunWorkersOptions): Promise<void> {
  const { queue, reconciler, signal, log, name } = options;
  const maxRetries = options.maxRetries ?? 15;
  signal.addEventListener("abort", () => queue.shutDown(), { once: true });
  if (signal.aborted) queue.shutDown();

  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const result = await reconciler.reconcile(key, signal);
        queue.forget(key);
        if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        if (err instanceof TerminalError) {
          log.error("reconcile failed permanently", { controller: name, key, error: err.message });
          queue.forget(key);
        } else if (queue.numRequeues(key) < maxRetries) {
          log.error("reconcile failed, retrying", { controller: name, key, error: String(err) });
          queue.addRateLimited(key);
        } else {
          log.error("reconcile failed too often, dropping the key", {
            controller: name,
            key,
            error: String(err),
          });
          queue.forget(key);
        }
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: options.workers }, worker));
}
