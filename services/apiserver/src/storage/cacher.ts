import type { Watcher as EtcdWatcher } from "etcd3";
import { RESOURCES, type ResourceInfo } from "@ktl/api";
import type { Logger } from "@ktl/service";
import type { KubeObject } from "./object.js";
import type { RawKeyValue, Store } from "./store.js";
import { WatchCache } from "./watch-cache.js";

interface RawEvent {
  /** "Put"/"Delete" from etcd3's decoder (numbers from older versions). */
  type: string | number;
  kv: RawKeyValue;
  prev_kv?: RawKeyValue | null;
}

export interface CacherOptions {
  readonly store: Store;
  readonly log: Logger;
  readonly eventsPerKind?: number;
  readonly bookmarkIntervalMs?: number;
}

/**
 * Keeps a WatchCache per stored kind from ONE etcd watch over the registry
 * root. Watching the root rather than each kind means the cacher sees every
 * revision etcd hands out for the cluster's keys, so "the cache has reached
 * revision R" is a meaningful wait for consistent reads — without relying on
 * etcd's progress notifications (unreliable in etcd 3.4 before 3.4.25).
 */
export class Cacher {
  readonly caches = new Map<ResourceInfo, WatchCache>();
  private readonly byPrefix = new Map<string, { info: ResourceInfo; cache: WatchCache }>();
  private rev = 0;
  private waiters: { rev: number; resolve: () => void }[] = [];
  private watcher: EtcdWatcher | undefined;
  private bookmarkTimer: NodeJS.Timeout | undefined;
  private readyPromise: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: CacherOptions) {
    for (const info of RESOURCES) {
      if (info.storage !== "etcd") continue;
      const prefix = options.store.keys.kindPrefix(info);
      const cache = new WatchCache(prefix, options.eventsPerKind);
      this.caches.set(info, cache);
      this.byPrefix.set(prefix, { info, cache });
    }
  }

  /** The highest revision applied to the caches. */
  get revision(): number {
    return this.rev;
  }

  cacheFor(info: ResourceInfo): WatchCache | undefined {
    return this.caches.get(info);
  }

  /** Lists everything once and starts the watch; retries until etcd answers. */
  start(): Promise<void> {
    this.readyPromise ??= this.loadAndWatch();
    return this.readyPromise;
  }

  get ready(): boolean {
    return this.watcher !== undefined;
  }

  /** Resolves true once the caches reached rev, false after timeoutMs. */
  waitFor(rev: number, timeoutMs: number): Promise<boolean> {
    if (this.rev >= rev) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { rev, resolve: () => resolve(true) };
      this.waiters.push(waiter);
      setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs).unref();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.bookmarkTimer);
    for (const cache of this.caches.values()) cache.closeAll("server shutting down");
    await this.watcher?.cancel();
  }

  private async loadAndWatch(): Promise<void> {
    let delay = 200;
    for (;;) {
      try {
        const rev = await this.loadAll();
        await this.watchFrom(rev + 1);
        const interval = this.options.bookmarkIntervalMs ?? 60_000;
        this.bookmarkTimer ??= setInterval(() => this.sendBookmarks(), interval).unref();
        return;
      } catch (err) {
        if (this.stopped) return;
        this.options.log.warn("watch cache could not load from etcd, retrying", {
          error: String(err),
          delayMs: delay,
        });
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000) * (0.8 + Math.random() * 0.4);
      }
    }
  }

  /** Reads every kind at one revision and resets the caches to it. */
  private async loadAll(): Promise<number> {
    const store = this.options.store;
    let revision = 0;
    for (const [info, cache] of this.caches) {
      const items: [string, KubeObject][] = [];
      for await (const page of store.scan(cache.kindPrefix, { revision })) {
        revision = page.revision;
        for (const kv of page.kvs) {
          const versioned = store.fromKeyValue(info, kv);
          items.push([versioned.key, versioned.obj]);
        }
      }
      cache.reset(items, revision);
    }
    this.advance(revision);
    return revision;
  }

  private async watchFrom(startRev: number): Promise<void> {
    const etcd = this.options.store.etcd;
    const watcher = await etcd
      .watch()
      .prefix(`${this.options.store.keys.root}/`)
      .withPreviousKV()
      .startRevision(String(startRev))
      .create();
    watcher.on("data", (res) => {
      const events = res.events as unknown as RawEvent[];
      for (const event of events) this.applyRaw(event);
      // etcd sends a revision's events in one response: close lagging watches only now.
      for (const cache of this.caches.values()) cache.endOfRevision();
      // A response without events is a progress notification: nothing is
      // pending up to its header revision.
      const last = events[events.length - 1];
      this.advance(last ? Number(last.kv.mod_revision) : Number(res.header.revision));
    });
    watcher.on("error", (err) => {
      // Compaction past our revision or a lost stream: relist and start over.
      this.options.log.warn("etcd watch failed; reloading the watch cache", { error: String(err) });
      void watcher.cancel().catch(() => undefined);
      this.watcher = undefined;
      this.readyPromise = undefined;
      if (!this.stopped) void this.start();
    });
    this.watcher = watcher;
  }

  private applyRaw(event: RawEvent): void {
    const key = event.kv.key.toString();
    const entry = this.byPrefix.get(kindPrefixOf(key));
    const rev = Number(event.kv.mod_revision);
    if (!entry) return;
    const { info, cache } = entry;
    const store = this.options.store;
    // The previous state is normally what the cache holds; decode only if not.
    const cached = cache.get(key);
    const prevKv = event.prev_kv;
    const prev = !prevKv
      ? undefined
      : cached?.metadata?.resourceVersion === prevKv.mod_revision
        ? cached
        : store.fromKeyValue(info, prevKv).obj;
    const isDelete = event.type === "Delete" || event.type === 1 || event.type === "DELETE";
    if (isDelete) {
      if (!prev) return;
      const obj = { ...prev, metadata: { ...prev.metadata, resourceVersion: String(rev) } };
      cache.apply({ type: "DELETED", key, obj, prev, rev });
    } else {
      const written = store.justWritten.get(key);
      if (written) store.justWritten.delete(key);
      const obj = written?.rev === rev ? written.obj : store.fromKeyValue(info, event.kv).obj;
      cache.apply({ type: prev ? "MODIFIED" : "ADDED", key, obj, prev, rev });
    }
  }

  private advance(rev: number): void {
    if (rev <= this.rev) return;
    this.rev = rev;
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (waiter.rev <= rev) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }

  private sendBookmarks(): void {
    for (const cache of this.caches.values()) cache.bookmark(this.rev);
  }
}

/** "/registry/core/pods/default/web" → "/registry/core/pods/" */
function kindPrefixOf(key: string): string {
  let slashes = 0;
  for (let i = 0; i < key.length; i++) {
    if (key.charCodeAt(i) === 47 && ++slashes === 4) return key.slice(0, i + 1);
  }
  return key;
}
