import type { ApiObject } from "@ktl/client";
import { realClock, type Clock } from "./clock.js";
import type { Indexer, Indexers } from "./indexer.js";
import { Listener, type Notification } from "./internal/listener.js";
import type { ListerWatcher } from "./lister-watcher.js";
import { stderrLogger, type Logger } from "./log.js";
import { Reflector, type ReflectorOptions } from "./reflector.js";
import { DeletedFinalStateUnknown, IndexedStore, keyOf, type DeepReadonly, type Store } from "./store.js";

/**
 * Callbacks for changes to the informer's objects (client-go's
 * `ResourceEventHandler`). Each handler has its own queue, so:
 *
 * - it is called for one notification at a time; a returned promise is
 *   awaited before the next call;
 * - it sees each object's changes once and in the order the server made them;
 *   notifications for different objects keep the order they were observed in;
 * - a slow handler delays only itself, never the watch stream or other handlers;
 * - by the time it is called, the cache may already hold a newer state than
 *   the one it is given: level-based consumers read the cache, not the event;
 * - a handler that throws is logged and the next notification is delivered.
 *
 * `onUpdate(old, new)` with the same resourceVersion is a periodic resync, not
 * a change. `onDelete` gets a `DeletedFinalStateUnknown` when the delete
 * happened while the informer was not watching (found out by a relist).
 * Objects are the cache's own: never mutate them.
 */
export interface EventHandler<T> {
  onAdd?(obj: DeepReadonly<T>): void | Promise<void>;
  onUpdate?(oldObj: DeepReadonly<T>, newObj: DeepReadonly<T>): void | Promise<void>;
  onDelete?(obj: DeepReadonly<T> | DeletedFinalStateUnknown<T>): void | Promise<void>;
}

export interface HandlerOptions {
  /** Overrides the informer's `resyncMs` for this handler; 0 = no resync. */
  readonly resyncMs?: number;
}

export interface HandlerRegistration {
  /** The handler has been given every object of the initial list (or, if added later, of the cache then). */
  hasSynced(): boolean;
  /** Stops notifications to this handler; those still queued are dropped. */
  remove(): void;
}

export interface SharedInformerOptions<T> extends ReflectorOptions {
  /**
   * How often handlers are given `onUpdate(obj, obj)` for every object, to
   * retry work that failed silently; 0 (the default) = never.
   */
  readonly resyncMs?: number;
  /** Indexes beyond the built-in byNamespace, byOwnerUid, byNodeName and byLabel. */
  readonly indexers?: Indexers<T>;
}

/**
 * A cache of one resource in one scope, kept current by a reflector, that
 * tells any number of handlers what changes (client-go's
 * `sharedIndexInformer`).
 *
 * The reflector writes here synchronously and this class turns each write
 * into an update of the indexed store and one notification per handler
 * queue. Those per-handler queues play the DeltaFIFO's role of decoupling the
 * stream from consumers; a separate FIFO in front of the store, which Go needs
 * because the reflector and the processor are different goroutines, would
 * only add a second copy of "what is known" to keep consistent.
 *
 * Duplicates are filtered here: a write with the resourceVersion the cache
 * already holds (a relist, a re-sent ADDED) notifies nobody, and a delete of
 * an object the cache does not hold is dropped. An object listed under a key
 * whose cached object has another uid was deleted and recreated while the
 * informer was away: handlers get the delete (as a tombstone) then the add,
 * rather than an update between two different objects.
 */
export class SharedInformer<T extends ApiObject> {
  private readonly items: IndexedStore<T>;
  private readonly reflector: Reflector<T>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly resyncMs: number;
  private readonly listeners = new Map<Listener<T>, AbortController>();
  private readonly tasks = new Set<Promise<void>>();
  private readonly syncWaiters = new Set<() => void>();
  private signal: AbortSignal | undefined;
  private running: Promise<void> | undefined;
  private synced = false;

  constructor(listerWatcher: ListerWatcher<T>, options: SharedInformerOptions<T> = {}) {
    this.items = new IndexedStore<T>(options.indexers);
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? stderrLogger;
    this.resyncMs = options.resyncMs ?? 0;
    this.reflector = new Reflector<T>(
      listerWatcher,
      {
        add: (obj) => this.upsert(obj),
        update: (obj) => this.upsert(obj),
        delete: (obj) => this.remove(obj),
        replace: (items) => this.replace(items),
      },
      options,
    );
  }

  /** The cache, read-only. */
  get store(): Store<T> {
    return this.items;
  }

  /** The cache with its indexes, read-only. */
  get indexer(): Indexer<T> {
    return this.items;
  }

  /** The resourceVersion the cache is current to ("" before the first list). */
  get lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion;
  }

  /** The first list is in the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Adds indexes; allowed before or after start (existing objects are indexed at once). */
  addIndexers(indexers: Indexers<T>): void {
    this.items.addIndexers(indexers);
  }

  /**
   * Registers a handler. One added while the cache already holds objects is
   * first given an add for each of them, so every handler sees a complete
   * history whenever it joins.
   */
  addEventHandler(handler: EventHandler<T>, options: HandlerOptions = {}): HandlerRegistration {
    const listener = new Listener<T>(handler, this.logger, options.resyncMs ?? this.resyncMs);
    const stop = new AbortController();
    this.listeners.set(listener, stop);
    for (const obj of this.items.list()) listener.enqueue({ kind: "add", obj });
    if (this.synced) listener.markSynced();
    if (this.signal) this.launch(listener, this.signal, stop.signal);
    return {
      hasSynced: () => listener.hasSynced(),
      remove: () => {
        this.listeners.delete(listener);
        listener.remove();
        stop.abort();
      },
    };
  }

  /**
   * Starts the reflector and the handlers. The promise resolves once `signal`
   * has aborted and everything has stopped; it never rejects. Calling it again
   * returns the same promise.
   */
  start(signal: AbortSignal): Promise<void> {
    if (this.running) return this.running;
    this.signal = signal;
    for (const [listener, stop] of this.listeners) this.launch(listener, signal, stop.signal);
    this.track(this.reflector.run(signal));
    this.running = this.drain();
    return this.running;
  }

  /** Resolves true once the first list is in the cache, false if `signal` aborts first. */
  waitForSync(signal: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const done = (value: boolean): void => {
        this.syncWaiters.delete(onSync);
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      };
      const onSync = (): void => done(true);
      const onAbort = (): void => done(false);
      this.syncWaiters.add(onSync);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  private launch(listener: Listener<T>, informer: AbortSignal, handler: AbortSignal): void {
    const signal = AbortSignal.any([informer, handler]);
    this.track(listener.run(signal));
    if (listener.resyncMs > 0) this.track(this.resyncLoop(listener, signal));
  }

  /**
   * Every `resyncMs`, an update(obj, obj) for each cached object. A round is
   * skipped while the handler has not got through the previous one, so a
   * stuck handler's queue does not grow by the whole cache every period.
   */
  private async resyncLoop(listener: Listener<T>, signal: AbortSignal): Promise<void> {
    for (;;) {
      await this.clock.sleep(listener.resyncMs, signal);
      if (signal.aborted) return;
      if (listener.resyncPending) {
        this.logger.warn("skipping resync: the handler has not finished the previous one");
        continue;
      }
      for (const obj of this.items.list()) {
        listener.enqueue({ kind: "update", oldObj: obj, newObj: obj, resync: true });
      }
    }
  }

  private upsert(obj: T): void {
    const key = keyOf(obj);
    const next = obj as DeepReadonly<T>;
    const old = this.items.get(key);
    if (old === undefined) {
      this.items.add(next);
      this.notify({ kind: "add", obj: next });
      return;
    }
    const before = metaOf(old);
    const after = obj.metadata;
    if (before?.uid && after?.uid && before.uid !== after.uid) {
      this.items.add(next);
      this.notify({ kind: "delete", obj: new DeletedFinalStateUnknown(key, old) });
      this.notify({ kind: "add", obj: next });
      return;
    }
    if (after?.resourceVersion && before?.resourceVersion === after.resourceVersion) return;
    this.items.add(next);
    this.notify({ kind: "update", oldObj: old, newObj: next, resync: false });
  }

  private remove(obj: T): void {
    const key = keyOf(obj);
    if (!this.items.has(key)) return;
    this.items.delete(key);
    this.notify({ kind: "delete", obj: obj as DeepReadonly<T> });
  }

  /** A (re)list: cached objects it lacks were deleted while nobody watched. */
  private replace(items: readonly T[]): void {
    const listed = new Map<string, T>();
    for (const obj of items) listed.set(keyOf(obj), obj);
    for (const key of this.items.listKeys()) {
      if (listed.has(key)) continue;
      const old = this.items.get(key) as DeepReadonly<T>;
      this.items.delete(key);
      this.notify({ kind: "delete", obj: new DeletedFinalStateUnknown(key, old) });
    }
    for (const obj of listed.values()) this.upsert(obj);
    if (this.synced) return;
    this.synced = true;
    for (const listener of this.listeners.keys()) listener.markSynced();
    for (const waiter of [...this.syncWaiters]) waiter();
  }

  private notify(notification: Notification<T>): void {
    for (const listener of this.listeners.keys()) listener.enqueue(notification);
  }

  private track(task: Promise<void>): void {
    this.tasks.add(task);
    const forget = (): void => void this.tasks.delete(task);
    task.then(forget, forget);
  }

  private async drain(): Promise<void> {
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
  }
}

function metaOf(obj: unknown): { readonly uid?: string; readonly resourceVersion?: string } | undefined {
  return (obj as ApiObject).metadata;
}
