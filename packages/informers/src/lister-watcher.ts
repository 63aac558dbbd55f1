import type { ListMeta, ResourceInfo } from "@ktl/api";
import type { ApiClient, ApiObject, WatchEvent } from "@ktl/client";

/** One page of a list. */
export interface ListPage<T> {
  /** `resourceVersion` is the snapshot the page was cut from; `continue` is set when more pages follow. */
  readonly metadata: ListMeta;
  readonly items: readonly T[];
}

export interface ListRequest {
  readonly limit?: number;
  readonly continue?: string;
  readonly resourceVersion?: string;
}

export interface WatchRequest {
  readonly resourceVersion?: string;
  readonly allowWatchBookmarks?: boolean;
}

/**
 * Lists and watches one resource in one fixed scope (namespace and
 * selectors); the reflector's only view of the apiserver (client-go's
 * `ListerWatcher`).
 *
 * Contract:
 * - `list` returns one page. Pages reached through `continue` come from the
 *   same snapshot; a `continue` token the server no longer holds fails with a
 *   410 (isGone).
 * - `watch` yields, in the server's order, every change after
 *   `resourceVersion` (bookmarks carry only a newer resourceVersion). The
 *   iteration ends, by returning or throwing, when the stream drops. A
 *   resourceVersion the server no longer holds arrives as an ERROR event with
 *   status code 410 or as a thrown error for which `isGone` holds.
 * - Aborting `signal` ends the iteration promptly, and so does the consumer
 *   leaving the loop.
 */
export interface ListerWatcher<T> {
  list(request: ListRequest): Promise<ListPage<T>>;
  watch(request: WatchRequest, signal: AbortSignal): AsyncIterable<WatchEvent<T>>;
}

/** The namespace (ignored for cluster-scoped resources) and selectors a ListerWatcher is fixed to. */
export interface ListWatchScope {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/** What a ListerWatcher needs of `ApiClient`. */
export type ListWatchClient = Pick<ApiClient, "list" | "watch">;

/** A ListerWatcher for `info` in `scope`, over the typed gRPC client. */
export function listerWatcherFor<T extends ApiObject>(
  client: ListWatchClient,
  info: ResourceInfo,
  scope: ListWatchScope = {},
): ListerWatcher<T> {
  const namespace = info.namespaced ? scope.namespace || undefined : undefined;
  const selectors = { labelSelector: scope.labelSelector, fieldSelector: scope.fieldSelector };
  return {
    list: (request) => client.list<T>(info, namespace, { ...selectors, ...request }),
    watch: (request, signal) => client.watch<T>(info, namespace, { ...selectors, ...request }, signal),
  };
}
