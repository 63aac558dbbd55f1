import { errorField, type Logger } from "../log.js";
import type { EventHandler } from "../shared-informer.js";
import type { DeepReadonly, DeletedFinalStateUnknown } from "../store.js";

/** What one event handler is told. */
export type Notification<T> =
  | { readonly kind: "add"; readonly obj: DeepReadonly<T> }
  | {
      readonly kind: "update";
      readonly oldObj: DeepReadonly<T>;
      readonly newObj: DeepReadonly<T>;
      /** A periodic resync rather than a change. */
      readonly resync: boolean;
    }
  | { readonly kind: "delete"; readonly obj: DeepReadonly<T> | DeletedFinalStateUnknown<T> };

/** Deliveries between yields to the event loop, so a backlog cannot starve the watch stream's I/O. */
const YIELD_EVERY = 100;

/**
 * One handler's unbounded FIFO of notifications and the loop that delivers
 * them (client-go's `processorListener`). The informer enqueues without
 * waiting; the loop calls the handler one notification at a time, awaiting
 * each, so the handler sees every object's changes once and in order, and a
 * slow handler delays only itself.
 */
export class Listener<T> {
  private queue: (Notification<T> | undefined)[] = [];
  private head = 0;
  private wake: (() => void) | undefined;
  private enqueued = 0;
  private delivered = 0;
  /** How many notifications make up the initial state; undefined until known. */
  private syncTarget: number | undefined;
  private pendingResyncs = 0;
  private removed = false;

  constructor(
    private readonly handler: EventHandler<T>,
    private readonly logger: Logger,
    readonly resyncMs: number,
  ) {}

  enqueue(notification: Notification<T>): void {
    if (this.removed) return;
    this.queue.push(notification);
    this.enqueued++;
    if (notification.kind === "update" && notification.resync) this.pendingResyncs++;
    this.wakeUp();
  }

  /** True while resync notifications from an earlier round are still waiting. */
  get resyncPending(): boolean {
    return this.pendingResyncs > 0;
  }

  /** Everything enqueued so far is the initial state. */
  markSynced(): void {
    this.syncTarget ??= this.enqueued;
  }

  /** The initial state has been delivered. */
  hasSynced(): boolean {
    return this.syncTarget !== undefined && this.delivered >= this.syncTarget;
  }

  /** Stops delivering; what is still queued is dropped. */
  remove(): void {
    this.removed = true;
    this.queue = [];
    this.head = 0;
    this.wakeUp();
  }

  /** Delivers until `signal` aborts or the listener is removed. */
  async run(signal: AbortSignal): Promise<void> {
    const onAbort = (): void => this.wakeUp();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      let sinceYield = 0;
      while (!signal.aborted && !this.removed) {
        const next = this.dequeue();
        if (next === undefined) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          continue;
        }
        await this.deliver(next);
        this.delivered++;
        if (++sinceYield >= YIELD_EVERY) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  private dequeue(): Notification<T> | undefined {
    if (this.head >= this.queue.length) {
      if (this.head > 0) {
        this.queue = [];
        this.head = 0;
      }
      return undefined;
    }
    const next = this.queue[this.head];
    this.queue[this.head] = undefined;
    this.head++;
    // Compact now and then rather than shifting on every delivery.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return next;
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** A handler that throws is logged and skipped: one bad event must not stop the others. */
  private async deliver(n: Notification<T>): Promise<void> {
    try {
      switch (n.kind) {
        case "add":
          await this.handler.onAdd?.(n.obj);
          break;
        case "update":
          await this.handler.onUpdate?.(n.oldObj, n.newObj);
          break;
        case "delete":
          await this.handler.onDelete?.(n.obj);
          break;
      }
    } catch (err) {
      this.logger.error("event handler failed", { event: n.kind, error: errorField(err) });
    } finally {
      // Counted once the handler is done with it, not when it is handed over.
      if (n.kind === "update" && n.resync) this.pendingResyncs--;
    }
  }
}
