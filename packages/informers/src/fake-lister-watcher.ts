import { resourceExpired } from "@ktl/apimachinery";
import type { ApiObject, WatchEvent } from "@ktl/client";
import type { ListPage, ListRequest, ListerWatcher, WatchRequest } from "./lister-watcher.js";

/**
 * A scripted ListerWatcher for tests of informers and of controllers built on
 * them (client-go's `FakeControllerSource`). Lists serve `items` in pages;
 * each `watch` call opens a `FakeWatch` the test feeds events into.
 */
export class FakeListerWatcher<T extends ApiObject> implements ListerWatcher<T> {
  /** What the next lists return, in order. */
  items: T[];
  /** The resourceVersion lists report. */
  resourceVersion: string;
  /** Errors the next list calls throw, in order; an undefined entry lets that call succeed. */
  readonly listErrors: (Error | undefined)[] = [];
  /** Every list request, in order. */
  readonly listRequests: ListRequest[] = [];
  /** Every watch opened, in order. */
  readonly watches: FakeWatch<T>[] = [];
  private readonly watchWaiters: (() => void)[] = [];

  constructor(init: { items?: T[]; resourceVersion?: string } = {}) {
    this.items = init.items ?? [];
    this.resourceVersion = init.resourceVersion ?? "1";
  }

  list(request: ListRequest): Promise<ListPage<T>> {
    this.listRequests.push(request);
    const error = this.listErrors.shift();
    if (error) return Promise.reject(error);
    // The continue token is the offset of the next item.
    const start = request.continue === undefined ? 0 : Number(request.continue);
    const end = request.limit ? start + request.limit : this.items.length;
    const page = this.items.slice(start, end);
    const more = end < this.items.length;
    return Promise.resolve({
      metadata: { resourceVersion: this.resourceVersion, ...(more ? { continue: String(end) } : {}) },
      items: page,
    });
  }

  watch(request: WatchRequest, signal: AbortSignal): AsyncIterable<WatchEvent<T>> {
    const w = new FakeWatch<T>(request, signal);
    this.watches.push(w);
    for (const wake of this.watchWaiters.splice(0)) wake();
    return w;
  }

  /** The `n`-th watch (from 0), once it has been opened. */
  async watchAt(n: number): Promise<FakeWatch<T>> {
    while (this.watches.length <= n) {
      await new Promise<void>((resolve) => this.watchWaiters.push(resolve));
    }
    return this.watches[n] as FakeWatch<T>;
  }
}

type Step<T> = { event: WatchEvent<T> } | { end: true } | { error: Error };

/** One watch stream, fed by the test. */
export class FakeWatch<T extends ApiObject> implements AsyncIterable<WatchEvent<T>> {
  private readonly steps: Step<T>[] = [];
  private wake: (() => void) | undefined;
  private consumerGone = false;

  constructor(
    readonly request: WatchRequest,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener("abort", () => this.wakeUp(), { once: true });
  }

  /** The consumer has stopped reading (left its loop or aborted). */
  get closed(): boolean {
    return this.consumerGone || this.signal.aborted;
  }

  added(object: T): this {
    return this.push({ type: "ADDED", object });
  }

  modified(object: T): this {
    return this.push({ type: "MODIFIED", object });
  }

  deleted(object: T): this {
    return this.push({ type: "DELETED", object });
  }

  bookmark(resourceVersion: string): this {
    return this.push({ type: "BOOKMARK", object: { metadata: { resourceVersion } } as T });
  }

  /** An ERROR event, as the apiserver sends for an expired resourceVersion (code 410). */
  expired(): this {
    const status = resourceExpired("too old resource version").status;
    return this.push({ type: "ERROR", object: {} as T, status });
  }

  push(event: WatchEvent<T>): this {
    this.steps.push({ event });
    this.wakeUp();
    return this;
  }

  /** The server ends the stream. */
  end(): void {
    this.steps.push({ end: true });
    this.wakeUp();
  }

  /** The stream breaks with `error` (the client throws it). */
  fail(error: Error): void {
    this.steps.push({ error });
    this.wakeUp();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<WatchEvent<T>> {
    try {
      for (;;) {
        if (this.signal.aborted) return;
        const step = this.steps.shift();
        if (step === undefined) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          continue;
        }
        if ("end" in step) return;
        if ("error" in step) throw step.error;
        yield step.event;
      }
    } finally {
      this.consumerGone = true;
    }
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
