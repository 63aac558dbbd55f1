/**
 * Group commit: concurrent compare-and-swap updates of different keys are
 * written together, one etcd transaction per batch instead of one per
 * update. Each update keeps its own precondition (the key's mod_revision is
 * still the one its writer read), so the batch commits only if every key is
 * unchanged; when one moved, every update of the batch is retried alone and
 * gets its own answer (Conflict, NotFound or success), exactly as if it had
 * never been batched.
 *
 * Batches form naturally: an update waits for the next free commit slot,
 * and whatever arrived meanwhile goes with it; at low load an update goes
 * out on its own after one turn of the event loop.
 *
 * Objects committed together share one etcd revision, so their
 * resourceVersions are equal; each still gets its own watch event.
 */
import type { ResourceInfo } from "@ktl/api";
import type { KubeObject } from "./object.js";
import type { Store, Versioned } from "./store.js";

interface Pending {
  readonly info: ResourceInfo;
  readonly key: string;
  readonly obj: KubeObject;
  readonly value: Buffer;
  readonly expectedRev: number;
  readonly resolve: (v: Versioned) => void;
  readonly reject: (err: unknown) => void;
}

export interface GroupCommitOptions {
  /** Updates per transaction; etcd refuses more than --max-txn-ops (128) operations. */
  readonly maxBatch?: number;
  /** Encoded bytes per transaction, well under etcd's 1.5 MiB request limit. */
  readonly maxBytes?: number;
  /**
   * Transactions in flight at once. More than one or two: a client whose
   * updates trickle in (a scheduler deciding pod after pod) makes small
   * batches, and etcd shares one WAL sync among concurrent transactions.
   */
  readonly maxInFlight?: number;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private inFlight = 0;
  /** Keys of transactions in flight: a later update of one waits, so a key's updates go out in order. */
  private readonly busyKeys = new Set<string>();
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly maxBytes: number;
  private readonly maxInFlight: number;
  /** Batches committed and updates they carried, for tests and metrics. */
  readonly stats = { batches: 0, updates: 0, fallbacks: 0 };

  constructor(
    private readonly store: Store,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 64;
    this.maxBytes = options.maxBytes ?? 1024 * 1024;
    this.maxInFlight = options.maxInFlight ?? 8;
  }

  /**
   * Replaces `obj` (in its stored form, as read from the store or the watch
   * cache, with the caller's changes) if its key's mod_revision is still
   * `expectedRev`; 409 Conflict or 404 NotFound otherwise, as Store.update.
   */
  update(info: ResourceInfo, obj: KubeObject, expectedRev: number): Promise<Versioned> {
    const meta = obj.metadata ?? {};
    const key = this.store.keys.objectKey(info, meta.namespace, meta.name ?? "");
    const value = this.store.encode(info, obj);
    return new Promise<Versioned>((resolve, reject) => {
      this.queue.push({ info, key, obj, value, expectedRev, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    // One turn of the loop gathers the updates of requests read in the same I/O phase.
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
        const batch = this.takeBatch();
        if (batch.length === 0) return; // all waiting on keys in flight
        void this.commit(batch);
      }
    });
  }

  /** The oldest updates that fit one transaction, one per key (a second update of a key waits its turn). */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const keys = new Set<string>();
    const rest: Pending[] = [];
    let bytes = 0;
    for (const p of this.queue) {
      const fits =
        batch.length < this.maxBatch &&
        !keys.has(p.key) &&
        !this.busyKeys.has(p.key) &&
        (batch.length === 0 || bytes + p.value.length <= this.maxBytes);
      if (fits) {
        batch.push(p);
        keys.add(p.key);
        bytes += p.value.length;
      } else rest.push(p);
    }
    this.queue = rest;
    for (const key of keys) this.busyKeys.add(key);
    return batch;
  }

  private async commit(batch: Pending[]): Promise<void> {
    this.inFlight++;
    try {
      const written = batch.length === 1 ? undefined : await this.store.updateAll(batch);
      if (written) {
        this.stats.batches++;
        this.stats.updates += batch.length;
        batch.forEach((p, i) => p.resolve(written[i] as Versioned));
      } else {
        // One key moved (or a batch of one): each update on its own, for its own answer.
        if (batch.length > 1) this.stats.fallbacks++;
        await Promise.all(
          batch.map((p) => this.store.update(p.info, p.obj, p.expectedRev).then(p.resolve, p.reject)),
        );
      }
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      for (const p of batch) this.busyKeys.delete(p.key);
      this.inFlight--;
      this.schedule();
    }
  }
}
