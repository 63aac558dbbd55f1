import type { IndexFunc, Indexers } from "../indexer.js";
import type { DeepReadonly } from "../store.js";

/**
 * The indexes of a store: for each index name, value → keys (client-go's
 * `storeIndex`). The store calls `update` on every change so the indexes never
 * disagree with the objects.
 */
export class Indices<T> {
  private readonly funcs = new Map<string, IndexFunc<T>>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Indexers<T>) {
    this.add(indexers, []);
  }

  /** Adds indexes and files the given existing objects under them. */
  add(indexers: Indexers<T>, existing: Iterable<readonly [string, DeepReadonly<T>]>): void {
    const names = Object.keys(indexers);
    for (const name of names) {
      if (this.funcs.has(name)) throw new Error(`index ${JSON.stringify(name)} already exists`);
    }
    for (const name of names) {
      this.funcs.set(name, indexers[name] as IndexFunc<T>);
      this.indices.set(name, new Map());
    }
    for (const [key, obj] of existing) {
      for (const name of names) this.file(name, key, obj);
    }
  }

  /** Moves `key` from where `oldObj` was filed to where `newObj` belongs; either may be absent. */
  update(key: string, oldObj: DeepReadonly<T> | undefined, newObj: DeepReadonly<T> | undefined): void {
    for (const name of this.funcs.keys()) {
      if (oldObj !== undefined) this.unfile(name, key, oldObj);
      if (newObj !== undefined) this.file(name, key, newObj);
    }
  }

  clear(): void {
    for (const index of this.indices.values()) index.clear();
  }

  keys(name: string, value: string): ReadonlySet<string> {
    return this.index(name).get(value) ?? new Set();
  }

  values(name: string): string[] {
    return [...this.index(name).keys()];
  }

  private index(name: string): Map<string, Set<string>> {
    const index = this.indices.get(name);
    if (!index) throw new Error(`index ${JSON.stringify(name)} does not exist`);
    return index;
  }

  private valuesOf(name: string, obj: DeepReadonly<T>): readonly string[] {
    const fn = this.funcs.get(name) as IndexFunc<T>;
    // One value listed twice must not be filed twice.
    return [...new Set(fn(obj))];
  }

  private file(name: string, key: string, obj: DeepReadonly<T>): void {
    const index = this.index(name);
    for (const value of this.valuesOf(name, obj)) {
      let keys = index.get(value);
      if (!keys) index.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  private unfile(name: string, key: string, obj: DeepReadonly<T>): void {
    const index = this.index(name);
    for (const value of this.valuesOf(name, obj)) {
      const keys = index.get(value);
      if (!keys) continue;
      keys.delete(key);
      // Drop empty sets so indexValues lists only values that hold objects.
      if (keys.size === 0) index.delete(value);
    }
  }
}
