import { defaultIndexers, labelIndexValue, type Indexer, type IndexName, type Indexers } from "./indexer.js";
import { Indices } from "./internal/indices.js";

/**
 * `T` with every property, array and nested object read-only. Cached objects
 * are shared by every handler and controller that reads the cache, so the type
 * system refuses writes to them; `structuredClone` one to change it.
 */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** What keys are made of. */
export interface Keyed {
  readonly metadata?: { readonly namespace?: string; readonly name?: string };
}

/**
 * The last known state of an object that was deleted while the informer was
 * not watching: a relist no longer contained it, so the delete itself and the
 * object's final state were never seen (client-go's
 * `DeletedFinalStateUnknown`). Delete handlers receive it instead of the
 * object; `finalState` unwraps either.
 */
export class DeletedFinalStateUnknown<T> {
  constructor(
    readonly key: string,
    readonly obj: DeepReadonly<T>,
  ) {}
}

/** The object a delete handler was given, whether or not it is a tombstone. */
export function finalState<T>(obj: DeepReadonly<T> | DeletedFinalStateUnknown<T>): DeepReadonly<T> {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

/**
 * `namespace/name`, or `name` for cluster-scoped objects (client-go's
 * `DeletionHandlingMetaNamespaceKeyFunc`: a tombstone gives its key). Throws
 * for an object without a name, which the apiserver never returns.
 */
export function keyOf(obj: Keyed | DeletedFinalStateUnknown<unknown>): string {
  if (obj instanceof DeletedFinalStateUnknown) return obj.key;
  const name = obj.metadata?.name;
  if (!name) throw new Error("object has no metadata.name");
  const namespace = obj.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

/** The inverse of `keyOf`. Throws for a key with more than one "/". */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const parts = key.split("/");
  if (parts.length === 1 && parts[0]) return { namespace: undefined, name: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { namespace: parts[0], name: parts[1] };
  throw new Error(`unexpected key format: ${JSON.stringify(key)}`);
}

/**
 * A read-only view of a set of objects by key (client-go's `Store` reads).
 * Lists are in no particular order and are new arrays each call.
 */
export interface Store<T> {
  get(key: string): DeepReadonly<T> | undefined;
  has(key: string): boolean;
  list(): DeepReadonly<T>[];
  listKeys(): string[];
  readonly size: number;
}

/**
 * Objects by `keyOf`, with indexes kept up to date on every write (client-go's
 * `threadSafeMap` + `storeIndex`). "Thread-safe" here means every method runs
 * to completion without awaiting, so no reader ever sees an object and its
 * indexes disagree. Stored objects are never copied or changed: a write
 * replaces the object under its key.
 */
export class IndexedStore<T extends Keyed> implements Indexer<T> {
  private readonly items = new Map<string, DeepReadonly<T>>();
  private readonly indices: Indices<T>;
  private lastResourceVersion = "";

  /** The built-in indexes plus `indexers`. */
  constructor(indexers: Indexers<T> = {}) {
    this.indices = new Indices<T>(defaultIndexers<T>());
    this.indices.add(indexers, []);
  }

  /** The resourceVersion given to the last `replace`. */
  get resourceVersion(): string {
    return this.lastResourceVersion;
  }

  get size(): number {
    return this.items.size;
  }

  /** Adds or replaces the object under its key. */
  add(obj: T | DeepReadonly<T>): void {
    const stored = obj as DeepReadonly<T>;
    const key = keyOf(stored);
    const old = this.items.get(key);
    this.items.set(key, stored);
    this.indices.update(key, old, stored);
  }

  /** The same as `add`: the store keeps whatever it was given last. */
  update(obj: T | DeepReadonly<T>): void {
    this.add(obj);
  }

  /** Removes the object (or the key) if present. */
  delete(objOrKey: T | DeepReadonly<T> | string): void {
    const key = typeof objOrKey === "string" ? objOrKey : keyOf(objOrKey);
    const old = this.items.get(key);
    if (old === undefined) return;
    this.items.delete(key);
    this.indices.update(key, old, undefined);
  }

  /** Swaps the whole content for `items`, as of `resourceVersion`. */
  replace(items: readonly (T | DeepReadonly<T>)[], resourceVersion: string): void {
    this.items.clear();
    this.indices.clear();
    for (const obj of items) this.add(obj);
    this.lastResourceVersion = resourceVersion;
  }

  get(key: string): DeepReadonly<T> | undefined {
    return this.items.get(key);
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  list(): DeepReadonly<T>[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  listByIndex(indexName: IndexName, value: string): DeepReadonly<T>[] {
    const out: DeepReadonly<T>[] = [];
    for (const key of this.indices.keys(indexName, value)) {
      const obj = this.items.get(key);
      if (obj !== undefined) out.push(obj);
    }
    return out;
  }

  indexKeys(indexName: IndexName, value: string): string[] {
    return [...this.indices.keys(indexName, value)];
  }

  indexValues(indexName: IndexName): string[] {
    return this.indices.values(indexName);
  }

  byLabel(key: string, value: string): DeepReadonly<T>[] {
    return this.listByIndex("byLabel", labelIndexValue(key, value));
  }

  addIndexers(indexers: Indexers<T>): void {
    this.indices.add(indexers, this.items.entries());
  }
}
