import type { ResourceInfo } from "@ktl/api";
import {
  badRequest,
  resourceExpired,
  notFound,
  parseFieldSelector,
  parseLabelSelector,
  timeout,
  type FieldSelector,
  type LabelSelector,
} from "@ktl/apimachinery";
import type { Cacher } from "../storage/cacher.js";
import type { KubeObject } from "../storage/object.js";
import type { Store } from "../storage/store.js";
import type { WatchSink } from "../storage/watch-cache.js";
import { fieldMatcher } from "./fields.js";

export interface ListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
  /** "0": any cached state; "" (default): the latest; "N": at least as new as N. */
  readonly resourceVersion?: string;
}

export interface ListResult {
  /** Shared, read-only objects, in key order. */
  readonly items: readonly KubeObject[];
  readonly resourceVersion: string;
  readonly continue?: string;
}

export interface WatchRequest {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly resourceVersion?: string;
  readonly allowWatchBookmarks?: boolean;
}

export interface PreparedWatch {
  readonly info: ResourceInfo;
  readonly request: WatchRequest;
  readonly matches: (obj: KubeObject) => boolean;
  readonly fromRev: number | undefined;
}

interface ContinueToken {
  /** The revision the first page was read at; later pages read the same snapshot. */
  readonly rv: number;
  /** The last key returned. */
  readonly key: string;
}

/** How long a read waits for the watch cache to catch up before reading etcd itself. */
const CACHE_CATCH_UP_MS = 250;
/** How long a watch or list waits for a future resourceVersion (Kubernetes: 3 s, then 504). */
const FUTURE_RV_WAIT_MS = 3000;

/**
 * Reads: lists and watches come from the watch cache (consistent reads wait
 * until the cache has reached etcd's current revision), single gets from etcd.
 * Pages of a paginated list are cut from one snapshot: from the cache while
 * the kind has not changed since the first page, otherwise from etcd at the
 * first page's revision (410 once etcd has compacted it).
 */
export class Reads {
  constructor(
    private readonly store: Store,
    private readonly cacher: Cacher,
  ) {}

  async get(info: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject> {
    const found = await this.store.get(info, namespace, name);
    if (!found) throw notFound(info, name);
    return found.obj;
  }

  async list(info: ResourceInfo, options: ListOptions): Promise<ListResult> {
    const matches = this.matcher(info, options);
    const prefix = this.store.keys.listPrefix(info, options.namespace);
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const token = options.continue ? decodeContinue(options.continue) : undefined;
    const cache = this.cacher.cacheFor(info);

    if (token) {
      if (cache && this.cacher.ready && this.cacher.revision === token.rv) {
        return this.fromCache(info, prefix, matches, limit, token.key);
      }
      return this.fromEtcd(info, prefix, matches, limit, token.rv, token.key);
    }
    if (cache && this.cacher.ready) {
      const wanted = await this.wantedRevision(options.resourceVersion);
      if (wanted === undefined || (await this.cacher.waitFor(wanted, CACHE_CATCH_UP_MS))) {
        return this.fromCache(info, prefix, matches, limit);
      }
      if (options.resourceVersion) {
        if (!(await this.cacher.waitFor(wanted, FUTURE_RV_WAIT_MS))) {
          throw timeout(`Too large resource version: ${wanted}, current: ${this.cacher.revision}`);
        }
        return this.fromCache(info, prefix, matches, limit);
      }
    }
    return this.fromEtcd(info, prefix, matches, limit, 0);
  }

  /**
   * Checks a watch request (selectors, resourceVersion) without starting it,
   * so a bad request can still get a plain 400 before a stream begins.
   */
  prepareWatch(info: ResourceInfo, request: WatchRequest): PreparedWatch {
    if (!this.cacher.cacheFor(info)) throw badRequest(`${info.resource} cannot be watched`);
    const rv = request.resourceVersion;
    return {
      info,
      request,
      matches: this.matcher(info, request),
      fromRev: rv && rv !== "0" ? parseRevision(rv) : undefined,
    };
  }

  /**
   * Starts a watch. Without a resourceVersion (or "0") the current objects come
   * first as ADDED events; with one, every change after it (410 if too old).
   */
  async watch(
    prepared: PreparedWatch | (WatchRequest & { info: ResourceInfo }),
    sink: WatchSink,
  ): Promise<() => void> {
    const { info, request, matches, fromRev } =
      "matches" in prepared ? prepared : this.prepareWatch(prepared.info, prepared);
    const cache = this.cacher.cacheFor(info);
    if (!cache) throw badRequest(`${info.resource} cannot be watched`);
    await this.cacher.start();
    if (fromRev !== undefined && !(await this.cacher.waitFor(fromRev, FUTURE_RV_WAIT_MS))) {
      throw timeout(`Too large resource version: ${fromRev}, current: ${this.cacher.revision}`);
    }
    return cache.watch(
      {
        fromRev,
        prefix: this.store.keys.listPrefix(info, request.namespace),
        matches,
        bookmarks: request.allowWatchBookmarks ?? false,
      },
      sink,
    );
  }

  private matcher(
    info: ResourceInfo,
    options: { namespace?: string; labelSelector?: string; fieldSelector?: string },
  ): (obj: KubeObject) => boolean {
    const labels: LabelSelector = parseLabelSelector(options.labelSelector ?? "");
    const fields: FieldSelector = parseFieldSelector(options.fieldSelector ?? "");
    const fieldMatches = fieldMatcher(info, fields);
    if (labels.empty()) return fieldMatches;
    return (obj) => labels.matches(obj.metadata?.labels) && fieldMatches(obj);
  }

  /** undefined: any cached state will do. */
  private async wantedRevision(resourceVersion: string | undefined): Promise<number | undefined> {
    if (resourceVersion === "0") return undefined;
    if (resourceVersion) return parseRevision(resourceVersion);
    return this.store.currentRevision();
  }

  private fromCache(
    info: ResourceInfo,
    prefix: string,
    matches: (o: KubeObject) => boolean,
    limit: number,
    afterKey?: string,
  ): ListResult {
    const cache = this.cacher.cacheFor(info);
    const rv = this.cacher.revision;
    const items: KubeObject[] = [];
    let lastKey = "";
    for (const [key, obj] of cache?.list(prefix, afterKey) ?? []) {
      if (!matches(obj)) continue;
      if (items.length === limit)
        return { items, resourceVersion: String(rv), continue: encodeContinue({ rv, key: lastKey }) };
      items.push(obj);
      lastKey = key;
    }
    return { items, resourceVersion: String(rv) };
  }

  private async fromEtcd(
    info: ResourceInfo,
    prefix: string,
    matches: (o: KubeObject) => boolean,
    limit: number,
    revision: number,
    afterKey?: string,
  ): Promise<ListResult> {
    const items: KubeObject[] = [];
    let lastKey = "";
    let rv = revision;
    const fromKey = afterKey !== undefined ? afterKey + "\0" : undefined;
    try {
      for await (const page of this.store.scan(prefix, {
        revision,
        fromKey,
        pageSize: Number.isFinite(limit) ? Math.min(limit + 1, 1000) : 1000,
      })) {
        rv = page.revision;
        for (const kv of page.kvs) {
          const { key, obj } = this.store.fromKeyValue(info, kv);
          if (!matches(obj)) continue;
          if (items.length === limit)
            return { items, resourceVersion: String(rv), continue: encodeContinue({ rv, key: lastKey }) };
          items.push(obj);
          lastKey = key;
        }
      }
    } catch (err) {
      if (revision > 0 && String(err).includes("too old")) {
        throw resourceExpired(
          "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
        );
      }
      throw err;
    }
    return { items, resourceVersion: String(rv) };
  }
}

function parseRevision(rv: string): number {
  const n = Number(rv);
  if (!Number.isSafeInteger(n) || n < 0) throw badRequest(`invalid resource version: ${rv}`);
  return n;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: token.rv, start: token.key })).toString(
    "base64url",
  );
}

function decodeContinue(text: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(text, "base64url").toString()) as { rv?: unknown; start?: unknown };
    if (typeof parsed.rv === "number" && typeof parsed.start === "string")
      return { rv: parsed.rv, key: parsed.start };
  } catch {
    // fall through to the error below
  }
  throw badRequest("continue key is not valid");
}
