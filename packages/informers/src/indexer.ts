import type { DeepReadonly, Store } from "./store.js";

/**
 * The values an object is filed under in one index; an empty array leaves it
 * out. Must be a pure function of the object: the store calls it again on
 * every change and removes the object from the values it returned before.
 */
export type IndexFunc<T> = (obj: DeepReadonly<T>) => readonly string[];

/** Index functions by index name. */
export type Indexers<T> = Readonly<Record<string, IndexFunc<T>>>;

/** The indexes every store has. */
export type BuiltinIndexName = "byNamespace" | "byOwnerUid" | "byNodeName" | "byLabel";

/** An index name, with the built-in ones offered for completion. */
export type IndexName = BuiltinIndexName | (string & Record<never, never>);

interface Indexable {
  readonly metadata?: {
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly ownerReferences?: readonly { readonly uid?: string }[];
  };
  readonly spec?: unknown;
}

/** `metadata.namespace`; cluster-scoped objects are in no namespace index. */
export function namespaceIndexFunc(obj: DeepReadonly<Indexable>): readonly string[] {
  const ns = obj.metadata?.namespace;
  return ns ? [ns] : [];
}

/** Every `metadata.ownerReferences[].uid`: "which objects does this owner own". */
export function ownerUidIndexFunc(obj: DeepReadonly<Indexable>): readonly string[] {
  const uids: string[] = [];
  for (const ref of obj.metadata?.ownerReferences ?? []) if (ref.uid) uids.push(ref.uid);
  return uids;
}

/** `spec.nodeName` (pods bound to a node); unbound pods and other kinds are in no node index. */
export function nodeNameIndexFunc(obj: DeepReadonly<Indexable>): readonly string[] {
  const spec = obj.spec as { readonly nodeName?: unknown } | undefined;
  return typeof spec?.nodeName === "string" && spec.nodeName ? [spec.nodeName] : [];
}

/** The index value for label `key` with `value`, as `labelIndexFunc` files it. */
export function labelIndexValue(key: string, value: string): string {
  // "=" cannot occur in a label key, so the split is unambiguous.
  return `${key}=${value}`;
}

/** Every label as `key=value`: the equality half of a label selector, answered from an index. */
export function labelIndexFunc(obj: DeepReadonly<Indexable>): readonly string[] {
  return Object.entries(obj.metadata?.labels ?? {}).map(([k, v]) => labelIndexValue(k, v));
}

/** The built-in indexes: byNamespace, byOwnerUid, byNodeName, byLabel. */
export function defaultIndexers<T>(): Indexers<T> {
  const indexers: Record<BuiltinIndexName, IndexFunc<Indexable>> = {
    byNamespace: namespaceIndexFunc,
    byOwnerUid: ownerUidIndexFunc,
    byNodeName: nodeNameIndexFunc,
    byLabel: labelIndexFunc,
  };
  return indexers as unknown as Indexers<T>;
}

/**
 * A read-only, indexed view of the objects an informer holds (client-go's
 * `Indexer`). Objects are shared with every other reader: never mutate them
 * (`structuredClone` before changing one). Lists are in no particular order
 * and are new arrays each call. Asking for an index that does not exist
 * throws, as a misspelt name would otherwise read as "no objects".
 */
export interface Indexer<T> extends Store<T> {
  /** The objects filed under `value` in index `indexName`. */
  listByIndex(indexName: IndexName, value: string): DeepReadonly<T>[];
  /** The keys filed under `value` in index `indexName`. */
  indexKeys(indexName: IndexName, value: string): string[];
  /** Every value index `indexName` holds objects under. */
  indexValues(indexName: IndexName): string[];
  /** Objects whose label `key` equals `value` (the byLabel index). */
  byLabel(key: string, value: string): DeepReadonly<T>[];
  /**
   * Adds indexes; the objects already held are indexed at once, so this may
   * be called after the informer has started. Throws if a name is taken.
   */
  addIndexers(indexers: Indexers<T>): void;
}
