/**
 * One range's allocation state in etcd: a RangeAllocation (proto/ktl/core/v1)
 * under `<root>/ranges/<name>`, as Kubernetes keeps
 * /registry/ranges/serviceips and /registry/ranges/servicenodeports. The key
 * is outside every kind's prefix, so the watch cache skips it.
 */
import { codecFor, type RangeAllocation } from "@ktl/api";
import { etcdCall } from "../storage/etcd-errors.js";
import type { SideWrite, Store } from "../storage/store.js";
import type { AllocationBitmap } from "./bitmap.js";
import type { AllocationRange } from "./ranges.js";

const codec = codecFor<RangeAllocation>("ktl.core.v1.RangeAllocation");

/** A range's bitmap as read, with the key's mod_revision (0: no key). */
export interface RangeSnapshot {
  readonly bitmap: AllocationBitmap;
  readonly rev: number;
  /** False when the key is missing or holds another range: only the repair may write it then. */
  readonly valid: boolean;
}

export class RangeStore<V> {
  readonly key: string;

  constructor(
    private readonly store: Store,
    name: "serviceips" | "servicenodeports",
    readonly range: AllocationRange<V>,
  ) {
    this.key = `${store.keys.root}/ranges/${name}`;
  }

  /** The current state, or the state at `revision` (a repair reads it beside the Services it lists). */
  async read(revision?: number): Promise<RangeSnapshot> {
    const builder = this.store.etcd.get(this.key);
    if (revision !== undefined) builder.revision(revision);
    const res = await etcdCall("get", () => builder.exec());
    const kv = res.kvs[0];
    const bitmap = this.range.newBitmap();
    if (!kv) return { bitmap, rev: 0, valid: false };
    const rev = Number(kv.mod_revision);
    let stored: RangeAllocation;
    try {
      stored = codec.decode(kv.value);
    } catch {
      return { bitmap, rev, valid: false };
    }
    // A snapshot of another range (the flag changed) says nothing about this one.
    if (stored.range !== this.range.text) return { bitmap, rev, valid: false };
    bitmap.restore(Buffer.from(stored.data ?? "", "base64"));
    return { bitmap, rev, valid: true };
  }

  /** Writing `bitmap` in a transaction, if the key still has `expectedRev`. */
  sideWrite(bitmap: AllocationBitmap, expectedRev: number): SideWrite {
    const value = codec.encode({
      metadata: {},
      range: this.range.text,
      data: Buffer.from(bitmap.snapshot()).toString("base64"),
    });
    return { key: this.key, expectedRev, value };
  }
}
