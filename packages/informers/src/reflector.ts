import type { Status } from "@ktl/api";
import { StatusError, isGone } from "@ktl/apimachinery";
import type { ApiObject, WatchEvent } from "@ktl/client";
import { Backoff, type BackoffOptions } from "./backoff.js";
import { realClock, type Clock } from "./clock.js";
import type { ListRequest, ListerWatcher } from "./lister-watcher.js";
import { errorField, stderrLogger, type Logger } from "./log.js";

/**
 * Where a reflector writes what it learns (the write half of client-go's
 * `Store`, which the DeltaFIFO implements there). Calls are made one at a time,
 * in the server's order, and are never awaited: an implementation must not
 * block the stream, so anything slow belongs behind a queue.
 */
export interface ReflectorStore<T> {
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
  /** The complete content as of `resourceVersion`, after a (re)list. */
  replace(items: readonly T[], resourceVersion: string): void;
}

export interface ReflectorOptions {
  /** For logs, e.g. "pods". */
  readonly name?: string;
  /** Items per list page; 0 lists in one request. */
  readonly pageSize?: number;
  readonly backoff?: BackoffOptions;
  readonly clock?: Clock;
  /** Jitter source, for tests. */
  readonly random?: () => number;
  readonly logger?: Logger;
  /**
   * Give up on a watch that has been silent this long, and resume it; 0 =
   * never. The apiserver sends idle watches a bookmark every 60 s by default.
   */
  readonly watchIdleTimeoutMs?: number;
}

/** client-go's pager default. */
export const DEFAULT_PAGE_SIZE = 500;

/** Five missed bookmarks at the apiserver's default interval; client-go's minimum watch timeout. */
export const DEFAULT_WATCH_IDLE_TIMEOUT_MS = 5 * 60_000;

/**
 * Keeps a ReflectorStore in step with the server (client-go's `Reflector`):
 * list, then watch from the list's resourceVersion.
 *
 * - A stream that drops (ends, or fails with anything but 410) is resumed
 *   from the last resourceVersion seen, bookmarks included, so nothing is
 *   listed again and nothing is missed or repeated. Several objects can share
 *   a resourceVersion (our apiserver commits concurrent bindings in one etcd
 *   transaction), so a stream that broke after an object event may have
 *   delivered only some of that revision: it is resumed from the revision
 *   before, and the events of that revision already applied are skipped.
 * - A 410 (the server no longer holds that resourceVersion) means events were
 *   lost: the reflector relists and hands the store the complete new content
 *   through `replace`, from which deletes it missed can be worked out.
 * - Every reconnect after the first attempt waits a jittered exponential
 *   back-off (800 ms doubling to 30 s, +0–100 % jitter) that starts over after
 *   two minutes without a retry, so many clients of a restarted apiserver do
 *   not return in lock-step (kubernetes#87794).
 * - A watch silent for `watchIdleTimeoutMs` (no event, no bookmark) is
 *   treated as dropped, as client-go's watch timeouts do for hung streams.
 */
export class Reflector<T extends ApiObject> {
  private readonly name: string;
  private readonly pageSize: number;
  private readonly backoff: Backoff;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly watchIdleTimeoutMs: number;
  private lastRV = "";
  /**
   * Keys of the objects whose events carried `lastRV`; undefined when
   * everything at `lastRV` is known to be applied (it came from a list or a
   * bookmark).
   */
  private appliedAtLastRV: Set<string> | undefined;

  constructor(
    private readonly listerWatcher: ListerWatcher<T>,
    private readonly store: ReflectorStore<T>,
    options: ReflectorOptions = {},
  ) {
    this.name = options.name ?? "reflector";
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? stderrLogger;
    this.watchIdleTimeoutMs = options.watchIdleTimeoutMs ?? DEFAULT_WATCH_IDLE_TIMEOUT_MS;
    this.backoff = new Backoff(options.backoff, { clock: this.clock, random: options.random });
  }

  /** The resourceVersion the store is known to be current to ("" before the first list). */
  get lastSyncResourceVersion(): string {
    return this.lastRV;
  }

  /** Lists and watches until `signal` aborts; never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    let mustList = true;
    let firstAttempt = true;
    while (!signal.aborted) {
      if (!firstAttempt) {
        const delay = this.backoff.next();
        this.logger.info("reconnecting", { reflector: this.name, delayMs: delay, relist: mustList });
        await this.clock.sleep(delay, signal);
        if (signal.aborted) break;
      }
      firstAttempt = false;
      try {
        if (mustList) {
          await this.list(signal);
          mustList = false;
        }
        await this.watch(signal);
        if (!signal.aborted)
          this.logger.info("watch ended", { reflector: this.name, resourceVersion: this.lastRV });
      } catch (err) {
        if (signal.aborted) break;
        if (isGone(err)) {
          mustList = true;
          this.logger.info("resourceVersion expired, relisting", {
            reflector: this.name,
            resourceVersion: this.lastRV,
            error: errorField(err),
          });
        } else {
          this.logger.warn(mustList ? "list failed" : "watch failed", {
            reflector: this.name,
            error: errorField(err),
          });
        }
      }
    }
  }

  /**
   * Lists every page, then replaces the store's content. Pages are collected
   * first so that the store never holds half a list. A continue token that
   * expired mid-way falls back to one unpaginated list, as client-go's pager
   * does: it is always consistent and always makes progress.
   */
  private async list(signal: AbortSignal): Promise<void> {
    const items: T[] = [];
    let resourceVersion = "";
    let next: ListRequest = this.pageSize > 0 ? { limit: this.pageSize } : {};
    for (;;) {
      let page;
      try {
        page = await this.listerWatcher.list(next);
      } catch (err) {
        if (next.continue === undefined || !isGone(err)) throw err;
        this.logger.info("continue token expired, listing in one request", { reflector: this.name });
        items.length = 0;
        next = {};
        continue;
      }
      if (signal.aborted) return;
      for (const item of page.items) items.push(item);
      resourceVersion = page.metadata.resourceVersion ?? resourceVersion;
      const token = page.metadata.continue;
      if (!token) break;
      next = { ...next, continue: token };
    }
    this.store.replace(items, resourceVersion);
    this.lastRV = resourceVersion;
    this.appliedAtLastRV = undefined;
  }

  /**
   * Applies one watch stream to the store; returns when it ends, throws when
   * it fails. A stream silent for longer than `watchIdleTimeoutMs` is given up
   * (and resumed by the caller): we always ask for bookmarks, so silence means
   * a half-open connection, which would otherwise leave the cache stale
   * forever without an error.
   */
  private async watch(signal: AbortSignal): Promise<void> {
    const stream = new AbortController();
    const streamSignal = AbortSignal.any([signal, stream.signal]);
    let lastEventAt = this.clock.now();
    let stalled = false;
    const watchdog = async (): Promise<void> => {
      while (!streamSignal.aborted) {
        const idle = this.clock.now() - lastEventAt;
        if (idle >= this.watchIdleTimeoutMs) {
          stalled = true;
          stream.abort();
          return;
        }
        await this.clock.sleep(this.watchIdleTimeoutMs - idle, streamSignal);
      }
    };
    const watching = this.watchIdleTimeoutMs > 0 ? watchdog() : Promise.resolve();
    try {
      const events = this.listerWatcher.watch(
        { resourceVersion: this.resumeFrom() || undefined, allowWatchBookmarks: true },
        streamSignal,
      );
      for await (const event of events) {
        if (streamSignal.aborted) break;
        lastEventAt = this.clock.now();
        this.apply(event);
      }
    } finally {
      stream.abort();
      await watching;
    }
    if (stalled && !signal.aborted) {
      throw new Error(`watch stalled: no event or bookmark for ${this.watchIdleTimeoutMs} ms`);
    }
  }

  /** Where a watch starts: `lastRV`, or the revision before when `lastRV` may be only partly seen. */
  private resumeFrom(): string {
    if (!this.appliedAtLastRV || !/^\d+$/.test(this.lastRV) || this.lastRV === "0") return this.lastRV;
    return (BigInt(this.lastRV) - 1n).toString();
  }

  private apply(event: WatchEvent<T>): void {
    if (event.type === "ERROR") throw statusError(event.status);
    const rv = event.object.metadata?.resourceVersion;
    if (event.type === "BOOKMARK") {
      // Everything up to a bookmark's revision has been sent.
      if (rv) this.lastRV = rv;
      this.appliedAtLastRV = undefined;
      return;
    }
    const key = objectKey(event.object);
    if (rv !== undefined && rv === this.lastRV && this.appliedAtLastRV?.has(key)) return; // a replay
    switch (event.type) {
      case "ADDED":
        this.store.add(event.object);
        break;
      case "MODIFIED":
        this.store.update(event.object);
        break;
      case "DELETED":
        this.store.delete(event.object);
        break;
    }
    if (!rv) return;
    if (rv !== this.lastRV || !this.appliedAtLastRV) this.appliedAtLastRV = new Set();
    this.appliedAtLastRV.add(key);
    this.lastRV = rv;
  }
}

function objectKey(obj: ApiObject): string {
  const meta = obj.metadata;
  return meta?.namespace ? `${meta.namespace}/${meta.name ?? ""}` : (meta?.name ?? "");
}

/** A watch ERROR event as the StatusError it stands for, so `isGone` and friends apply. */
function statusError(status: Status | undefined): StatusError {
  return new StatusError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    code: status?.code ?? 500,
    reason: status?.reason ?? "",
    message: status?.message ?? "watch failed without a status",
  });
}
