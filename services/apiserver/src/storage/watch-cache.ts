import { resourceExpired } from "@ktl/apimachinery";
import type { KubeObject } from "./object.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

/** A change as the cache recorded it. */
export interface CacheEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  readonly key: string;
  readonly obj: KubeObject;
  /** The object before the change (for MODIFIED and DELETED). */
  readonly prev: KubeObject | undefined;
  readonly rev: number;
}

/** What a watcher receives: events already filtered and typed for it. */
export interface WatchSink {
  /** Returns false when the client cannot keep up; the watch is then closed. */
  send(type: WatchEventType, obj: KubeObject): boolean;
  /** The watch ends (cache relisted, client too slow, server stopping). */
  close(reason: string): void;
}

export interface WatchOptions {
  /** Events after this revision; undefined: the current state as ADDED events first. */
  readonly fromRev: number | undefined;
  /** The key prefix the watcher is interested in (a namespace or the whole kind). */
  readonly prefix: string;
  readonly matches: (obj: KubeObject) => boolean;
  readonly bookmarks: boolean;
}

interface Watcher extends WatchOptions {
  readonly sink: WatchSink;
  /** Set when the client fell behind: it is closed once this revision's events are all sent. */
  slowAt?: number;
}

/**
 * The current objects of one kind and a ring of its recent events, fed by the
 * cacher's single etcd watch. Lists and watches are served from here: a
 * thousand watchers cost one etcd watch, and selectors are applied in memory.
 *
 * Contract: `apply` is called in revision order; objects handed out are shared
 * and must be treated as read-only.
 */
export class WatchCache {
  private readonly objects = new Map<string, KubeObject>();
  private sortedKeys: string[] | undefined;
  private readonly ring: CacheEvent[] = [];
  private ringStart = 0;
  /** Every event after this revision is in the ring. */
  private oldestRev = 0;
  private readonly watchers = new Set<Watcher>();
  private readonly slow = new Set<Watcher>();

  constructor(
    readonly kindPrefix: string,
    private readonly capacity = 20_000,
  ) {}

  get size(): number {
    return this.objects.size;
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Replaces the whole state (start, or relist after compaction); open watches end. */
  reset(items: Iterable<[string, KubeObject]>, rev: number): void {
    this.objects.clear();
    for (const [key, obj] of items) this.objects.set(key, obj);
    this.sortedKeys = undefined;
    this.ring.length = 0;
    this.ringStart = 0;
    this.oldestRev = rev;
    for (const watcher of this.watchers) watcher.sink.close("the watch cache was reset");
    this.watchers.clear();
    this.slow.clear();
  }

  apply(event: CacheEvent): void {
    if (event.type === "DELETED") {
      this.objects.delete(event.key);
      this.sortedKeys = undefined;
    } else {
      if (!this.objects.has(event.key)) this.sortedKeys = undefined;
      this.objects.set(event.key, event.obj);
    }
    this.record(event);
    for (const watcher of this.watchers) this.deliver(watcher, event);
  }

  /**
   * Closes the watches that fell behind. Called once the events of a
   * revision are all applied: several objects written in one transaction
   * share a revision, and a client resuming from it must have seen them all.
   */
  endOfRevision(): void {
    if (this.slow.size === 0) return;
    for (const watcher of [...this.slow]) this.drop(watcher, "client too slow");
  }

  get(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  /** Objects under a prefix in key order, starting after `afterKey` if given. */
  *list(prefix: string, afterKey?: string): Generator<[string, KubeObject]> {
    const keys = this.keysInOrder();
    let i = lowerBound(keys, afterKey !== undefined ? afterKey + "\0" : prefix);
    for (; i < keys.length; i++) {
      const key = keys[i] as string;
      if (!key.startsWith(prefix)) return;
      const obj = this.objects.get(key);
      if (obj) yield [key, obj];
    }
  }

  /** Starts a watch; throws 410 Gone when fromRev is older than the ring holds. */
  watch(options: WatchOptions, sink: WatchSink): () => void {
    const watcher: Watcher = { ...options, sink };
    if (options.fromRev === undefined) {
      for (const [, obj] of this.list(options.prefix)) {
        if (options.matches(obj) && !sink.send("ADDED", obj)) {
          sink.close("client too slow");
          return () => undefined;
        }
      }
    } else {
      if (options.fromRev < this.oldestRev) {
        throw resourceExpired(`too old resource version: ${options.fromRev} (${this.oldestRev})`);
      }
      for (let i = this.firstEventAfter(options.fromRev); i < this.ring.length; i++) {
        this.deliver(watcher, this.ring[i] as CacheEvent);
      }
      if (watcher.slowAt !== undefined) {
        this.slow.delete(watcher);
        watcher.sink.close("client too slow");
        return () => undefined;
      }
    }
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** Sends a BOOKMARK at rev to every watcher that asked for them. */
  bookmark(rev: number): void {
    const marker: KubeObject = { metadata: { resourceVersion: String(rev) } };
    for (const watcher of this.watchers) {
      if (watcher.bookmarks && !watcher.sink.send("BOOKMARK", marker)) this.drop(watcher, "client too slow");
    }
  }

  closeAll(reason: string): void {
    for (const watcher of this.watchers) watcher.sink.close(reason);
    this.watchers.clear();
    this.slow.clear();
  }

  /**
   * Kubernetes' selector-watch semantics: an object that stops matching is
   * DELETED for this watcher, one that starts matching is ADDED.
   */
  private deliver(watcher: Watcher, event: CacheEvent): void {
    if (watcher.slowAt !== undefined && event.rev > watcher.slowAt) {
      this.drop(watcher, "client too slow");
      return;
    }
    if (!event.key.startsWith(watcher.prefix)) return;
    const now = event.type !== "DELETED" && watcher.matches(event.obj);
    const before = event.prev !== undefined && watcher.matches(event.prev);
    let type: WatchEventType | undefined;
    if (event.type === "DELETED") type = before || watcher.matches(event.obj) ? "DELETED" : undefined;
    else if (now && before) type = "MODIFIED";
    else if (now) type = "ADDED";
    else if (before) type = "DELETED";
    if (type && !watcher.sink.send(type, event.obj) && watcher.slowAt === undefined) {
      watcher.slowAt = event.rev;
      this.slow.add(watcher);
    }
  }

  private drop(watcher: Watcher, reason: string): void {
    this.slow.delete(watcher);
    if (!this.watchers.delete(watcher)) return;
    watcher.sink.close(reason);
  }

  private record(event: CacheEvent): void {
    this.ring.push(event);
    if (this.ring.length - this.ringStart > this.capacity) {
      const evicted = this.ring[this.ringStart] as CacheEvent;
      this.oldestRev = evicted.rev;
      this.ringStart++;
      // Compact the array now and then rather than shifting on every event.
      if (this.ringStart > this.capacity / 2) {
        this.ring.splice(0, this.ringStart);
        this.ringStart = 0;
      }
    }
  }

  private firstEventAfter(rev: number): number {
    let lo = this.ringStart;
    let hi = this.ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ring[mid] as CacheEvent).rev <= rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private keysInOrder(): string[] {
    this.sortedKeys ??= [...this.objects.keys()].sort();
    return this.sortedKeys;
  }
}

function lowerBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
