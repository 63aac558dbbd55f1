import type { ComparatorBuilder, Etcd3, PutBuilder } from "etcd3";
import { objectCodec, type Codec, type ResourceInfo } from "@ktl/api";
import { alreadyExists, conflict, notFound, requestEntityTooLarge } from "@ktl/apimachinery";
import { etcdCall } from "./etcd-errors.js";
import { GroupCommitter } from "./group-commit.js";
import { KeySpace } from "./keys.js";
import type { KubeObject } from "./object.js";

/** etcd's own request limit is 1.5 MiB; larger objects are refused before they reach it. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

export interface Versioned {
  readonly key: string;
  /** Decoded object with metadata.resourceVersion set to the key's mod_revision. */
  readonly obj: KubeObject;
  readonly rev: number;
}

/**
 * A key written in the same etcd transaction as an object, on condition that
 * it still has the mod_revision its writer read (0: that it does not exist).
 * Services carry their range allocations this way.
 */
export interface SideWrite {
  readonly key: string;
  readonly expectedRev: number;
  readonly value: Uint8Array;
}

/** A side write's key changed since it was read: re-read it and try again. */
export class SideWriteConflict extends Error {
  override readonly name = "SideWriteConflict";
  constructor(readonly keys: readonly string[]) {
    super(`changed concurrently: ${keys.join(", ")}`);
  }
}

export interface RawKeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly mod_revision: string;
}

/**
 * Transactional object storage in etcd. Values are the protobuf encoding of the
 * object without its resourceVersion, which is the key's mod_revision and is
 * put back on every read. Writes are compare-and-swap transactions on
 * mod_revision, so two writers can never both win.
 */
export class Store {
  readonly keys: KeySpace;
  /**
   * Objects this apiserver just wrote, by key, until its watch delivers the
   * same revision: the cacher takes them instead of decoding the same bytes
   * again. They are shared with the watch cache, so results of create and
   * update must be treated as read-only.
   */
  readonly justWritten = new Map<string, { rev: number; obj: KubeObject }>();
  /** Concurrent updates of different keys, coalesced into shared transactions (see group-commit.ts). */
  readonly groupCommit: GroupCommitter;
  private readonly codecs = new Map<ResourceInfo, Codec<KubeObject>>();

  constructor(
    readonly etcd: Etcd3,
    keys = new KeySpace(),
  ) {
    this.keys = keys;
    this.groupCommit = new GroupCommitter(this);
  }

  codec(info: ResourceInfo): Codec<KubeObject> {
    let codec = this.codecs.get(info);
    if (!codec) {
      codec = objectCodec<KubeObject>(info);
      this.codecs.set(info, codec);
    }
    return codec;
  }

  /** Encodes for storage; refuses objects over etcd's limit with 413. */
  encode(info: ResourceInfo, obj: KubeObject): Buffer {
    const metadata = { ...obj.metadata };
    delete metadata.resourceVersion;
    const bytes = Buffer.from(this.codec(info).encode({ ...obj, metadata }));
    if (bytes.length > MAX_OBJECT_BYTES) {
      throw requestEntityTooLarge(
        `${info.kind} "${obj.metadata?.name ?? ""}" is too large: ${bytes.length} bytes, the limit is ${MAX_OBJECT_BYTES}`,
      );
    }
    return bytes;
  }

  decode(info: ResourceInfo, value: Uint8Array, rev: number): KubeObject {
    const obj = this.codec(info).decode(value);
    obj.metadata = { ...obj.metadata, resourceVersion: String(rev) };
    return obj;
  }

  fromKeyValue(info: ResourceInfo, kv: RawKeyValue): Versioned {
    const rev = Number(kv.mod_revision);
    return { key: kv.key.toString(), obj: this.decode(info, kv.value, rev), rev };
  }

  async get(info: ResourceInfo, namespace: string | undefined, name: string): Promise<Versioned | undefined> {
    const key = this.keys.objectKey(info, namespace, name);
    const res = await etcdCall("get", () => this.etcd.get(key).exec());
    const kv = res.kvs[0];
    return kv ? this.fromKeyValue(info, kv) : undefined;
  }

  /**
   * Writes a new object; 409 AlreadyExists when the key is taken,
   * SideWriteConflict when a side write's key changed.
   */
  async create(info: ResourceInfo, obj: KubeObject, side: readonly SideWrite[] = []): Promise<Versioned> {
    const name = obj.metadata?.name ?? "";
    const key = this.keys.objectKey(info, obj.metadata?.namespace, name);
    const value = this.encode(info, obj);
    const res = await etcdCall("create", () =>
      this.guarded(this.etcd.if(key, "Create", "==", 0), side)
        .then(this.etcd.put(key).value(value), ...this.sidePuts(side))
        .commit(),
    );
    if (!res.succeeded) {
      await this.checkSideWrites(side);
      throw alreadyExists(info, name);
    }
    const rev = Number(res.header.revision);
    // Answer with what was stored: unknown fields dropped, canonical field order.
    return this.remember(key, this.decode(info, value, rev), rev);
  }

  /**
   * Replaces an object if its mod_revision is still expectedRev; 409 Conflict
   * otherwise, SideWriteConflict when a side write's key changed.
   */
  async update(
    info: ResourceInfo,
    obj: KubeObject,
    expectedRev: number,
    side: readonly SideWrite[] = [],
  ): Promise<Versioned> {
    const name = obj.metadata?.name ?? "";
    const key = this.keys.objectKey(info, obj.metadata?.namespace, name);
    const value = this.encode(info, obj);
    const res = await etcdCall("update", () =>
      this.guarded(this.etcd.if(key, "Mod", "==", expectedRev), side)
        .then(this.etcd.put(key).value(value), ...this.sidePuts(side))
        .commit(),
    );
    if (!res.succeeded) {
      await this.checkSideWrites(side);
      throw await this.conflictOrMissing(info, obj.metadata?.namespace, name);
    }
    const rev = Number(res.header.revision);
    return this.remember(key, this.decode(info, value, rev), rev);
  }

  /**
   * Replaces several objects (distinct keys, already encoded) in one
   * transaction that requires every key's mod_revision to be unchanged: all
   * are written, at one shared revision, or none (undefined: some key moved).
   * Each `obj` must already be in its stored form (it is answered as is,
   * not decoded again from `value`).
   */
  async updateAll(
    writes: readonly { key: string; obj: KubeObject; value: Buffer; expectedRev: number }[],
  ): Promise<Versioned[] | undefined> {
    const [first, ...rest] = writes;
    if (!first) return [];
    const txn = this.etcd.if(first.key, "Mod", "==", first.expectedRev);
    for (const w of rest) txn.and(w.key, "Mod", "==", w.expectedRev);
    const res = await etcdCall("update", () =>
      txn.then(...writes.map((w) => this.etcd.put(w.key).value(w.value))).commit(),
    );
    if (!res.succeeded) return undefined;
    const rev = Number(res.header.revision);
    return writes.map((w) =>
      this.remember(w.key, { ...w.obj, metadata: { ...w.obj.metadata, resourceVersion: String(rev) } }, rev),
    );
  }

  /** Deletes an object if its mod_revision is still expectedRev (and side writes' keys are unchanged). */
  async delete(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    expectedRev: number,
    side: readonly SideWrite[] = [],
  ): Promise<number> {
    const key = this.keys.objectKey(info, namespace, name);
    const res = await etcdCall("delete", () =>
      this.guarded(this.etcd.if(key, "Mod", "==", expectedRev), side)
        .then(this.etcd.delete().key(key), ...this.sidePuts(side))
        .commit(),
    );
    if (!res.succeeded) {
      await this.checkSideWrites(side);
      throw await this.conflictOrMissing(info, namespace, name);
    }
    return Number(res.header.revision);
  }

  private guarded(txn: ComparatorBuilder, side: readonly SideWrite[]): ComparatorBuilder {
    for (const write of side) txn.and(write.key, "Mod", "==", write.expectedRev);
    return txn;
  }

  private sidePuts(side: readonly SideWrite[]): PutBuilder[] {
    return side.map((write) => this.etcd.put(write.key).value(Buffer.from(write.value)));
  }

  /** After a failed transaction: was it a side write's key that moved? */
  private async checkSideWrites(side: readonly SideWrite[]): Promise<void> {
    const moved: string[] = [];
    for (const write of side) {
      const res = await etcdCall("get", () => this.etcd.get(write.key).exec());
      if (Number(res.kvs[0]?.mod_revision ?? 0) !== write.expectedRev) moved.push(write.key);
    }
    if (moved.length > 0) throw new SideWriteConflict(moved);
  }

  private remember(key: string, obj: KubeObject, rev: number): Versioned {
    // Bounded: entries are consumed by the watch; a burst without one is dropped.
    if (this.justWritten.size > 10_000) this.justWritten.clear();
    this.justWritten.set(key, { rev, obj });
    return { key, obj, rev };
  }

  private async conflictOrMissing(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
  ): Promise<Error> {
    const current = await this.get(info, namespace, name);
    if (!current) return notFound(info, name);
    return conflict(
      info,
      name,
      "the object has been modified; please apply your changes to the latest version and try again",
    );
  }

  /**
   * Reads keys in [fromKey, end of prefix) at a fixed revision (0: the current
   * one), a page at a time, so huge kinds never arrive in one response.
   */
  async *scan(
    prefix: string,
    options: { revision?: number; fromKey?: string; pageSize?: number } = {},
  ): AsyncGenerator<{ kvs: RawKeyValue[]; revision: number }> {
    const pageSize = options.pageSize ?? 1000;
    let revision = options.revision ?? 0;
    let start = options.fromKey ?? prefix;
    const end = prefixEnd(prefix);
    for (;;) {
      const builder = this.etcd.getAll().inRange({ start, end }).limit(pageSize);
      if (revision > 0) builder.revision(revision);
      const res = await etcdCall("list", () => builder.exec());
      if (revision === 0) revision = Number(res.header.revision);
      yield { kvs: res.kvs, revision };
      const last = res.kvs[res.kvs.length - 1];
      if (!res.more || !last) return;
      start = last.key.toString() + "\0";
    }
  }

  /** etcd's current revision (the header of a cheap read). */
  async currentRevision(): Promise<number> {
    const res = await etcdCall("revision", () => this.etcd.get(`${this.keys.root}/`).exec());
    return Number(res.header.revision);
  }
}

/** The first key after every key with this prefix. */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
