import type { ResourceInfo } from "@ktl/api";
import type { ApiObject } from "@ktl/client";
import {
  listerWatcherFor,
  type ListWatchClient,
  type ListWatchScope,
  type ListerWatcher,
} from "./lister-watcher.js";
import type { ReflectorOptions } from "./reflector.js";
import { SharedInformer } from "./shared-informer.js";

/** Makes the ListerWatcher for a resource in a scope; tests pass fakes here. */
export type ListerWatcherProvider = (info: ResourceInfo, scope: ListWatchScope) => ListerWatcher<ApiObject>;

export interface InformerFactoryOptions extends ReflectorOptions {
  /** The client informers list and watch through; or give `listerWatcher`. */
  readonly client?: ListWatchClient;
  /** Overrides `client`. */
  readonly listerWatcher?: ListerWatcherProvider;
  /** Default resync period for every informer's handlers; 0 (the default) = none. */
  readonly resyncMs?: number;
  /** Default namespace for namespaced resources; unset = all namespaces. */
  readonly namespace?: string;
}

/**
 * One shared informer per (resource, namespace, label selector, field
 * selector), however many controllers ask for it (client-go's
 * `SharedInformerFactory`): one list, one watch and one cache per scope in
 * the process.
 *
 * Informers asked for after `start` start at once with the factory's signal,
 * unlike client-go where `Start` must be called again; forgetting that call is
 * a classic cause of a controller that never syncs.
 */
export class InformerFactory {
  private readonly informers = new Map<string, SharedInformer<ApiObject>>();
  private readonly provider: ListerWatcherProvider;
  private signal: AbortSignal | undefined;

  constructor(private readonly options: InformerFactoryOptions) {
    const { client, listerWatcher } = options;
    if (listerWatcher) this.provider = listerWatcher;
    else if (client) this.provider = (info, scope) => listerWatcherFor(client, info, scope);
    else throw new Error("InformerFactory needs a client or a listerWatcher");
  }

  /**
   * The shared informer for `info` in `scope`; the same instance for the same
   * arguments. `T` is the caller's word for the resource's type.
   */
  informerFor<T extends ApiObject>(info: ResourceInfo, scope: ListWatchScope = {}): SharedInformer<T> {
    const normalized: ListWatchScope = {
      namespace: info.namespaced ? scope.namespace || this.options.namespace || undefined : undefined,
      labelSelector: scope.labelSelector || undefined,
      fieldSelector: scope.fieldSelector || undefined,
    };
    const key = JSON.stringify([
      info.group,
      info.resource,
      normalized.namespace ?? "",
      normalized.labelSelector ?? "",
      normalized.fieldSelector ?? "",
    ]);
    let informer = this.informers.get(key);
    if (!informer) {
      const scopeName = [normalized.namespace, normalized.labelSelector, normalized.fieldSelector]
        .filter(Boolean)
        .join(",");
      const group = info.group ? `.${info.group}` : "";
      informer = new SharedInformer<ApiObject>(this.provider(info, normalized), {
        ...this.options,
        name: this.options.name ?? `${info.resource}${group}${scopeName ? ` (${scopeName})` : ""}`,
      });
      this.informers.set(key, informer);
      if (this.signal) void informer.start(this.signal);
    }
    return informer as unknown as SharedInformer<T>;
  }

  /** Starts every informer made so far, and any made later. Idempotent. */
  start(signal: AbortSignal): void {
    this.signal ??= signal;
    for (const informer of this.informers.values()) void informer.start(this.signal);
  }

  /** Resolves true once every informer made so far has synced, false if `signal` aborts first. */
  async waitForSync(signal: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }

  /** Resolves once every started informer has stopped (after the start signal aborted). */
  async stopped(): Promise<void> {
    if (!this.signal) return;
    const signal = this.signal;
    await Promise.all([...this.informers.values()].map((i) => i.start(signal)));
  }
}
