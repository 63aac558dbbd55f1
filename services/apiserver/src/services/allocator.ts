/**
 * The Service writer: every Service write that takes or gives back a cluster
 * IP or node port is one etcd transaction over the Service key and the range
 * keys it changes, each guarded by the mod revision it was computed from:
 *
 *   if   svc key:   create == 0 (create) | mod == R_svc (update, delete)
 *   and  range key: mod == R_range        (each range the write changes)
 *   then put/delete svc, put range bitmap(s)
 *
 * A lost race on a range key (another apiserver allocated meanwhile) re-reads
 * the ranges and allocates again; a lost race on the Service itself is the
 * usual 409 for the registry to retry. Within one apiserver the allocating
 * writes run one at a time on a cached copy of the ranges, so they never race
 * each other and cost one round trip each; across apiservers the guards keep
 * every bit owned by exactly one Service.
 */
import type { ResourceInfo, Service } from "@ktl/api";
import { internalError, serviceUnavailable } from "@ktl/apimachinery";
import type { Logger } from "@ktl/service";
import type { ObjectWriter } from "../registry/writer.js";
import type { KubeObject } from "../storage/object.js";
import { SideWriteConflict, type SideWrite, type Store, type Versioned } from "../storage/store.js";
import {
  allocateService,
  releaseService,
  type AllocationChanges,
  type Bitmaps,
  type ServiceRanges,
} from "./allocate.js";
import type { RandomInt } from "./bitmap.js";
import { RangeStore, type RangeSnapshot } from "./range-store.js";
import { repairRanges, type RepairResult } from "./repair.js";
import { touchesRanges } from "./service-fields.js";

/** Races lost to other apiservers before a write gives up (each costs a re-read). */
const MAX_ATTEMPTS = 16;

interface Ranges {
  ips: RangeSnapshot;
  ports: RangeSnapshot;
}

export class ServiceAllocator implements ObjectWriter {
  readonly ipStore: RangeStore<string>;
  readonly portStore: RangeStore<number>;
  private cached: Ranges | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly options: {
      store: Store;
      ranges: ServiceRanges;
      log: Logger;
      random?: RandomInt;
    },
  ) {
    this.ipStore = new RangeStore(options.store, "serviceips", options.ranges.ips);
    this.portStore = new RangeStore(options.store, "servicenodeports", options.ranges.ports);
  }

  async create(info: ResourceInfo, obj: KubeObject, dryRun: boolean): Promise<KubeObject> {
    const store = this.options.store;
    if (!touchesRanges(obj, undefined)) return dryRun ? obj : (await store.create(info, obj)).obj;
    return this.allocating(
      (bitmaps) => {
        const svc = structuredClone(obj) as Service;
        return {
          svc,
          changes: allocateService(svc, undefined, this.options.ranges, bitmaps, this.options.random),
        };
      },
      dryRun,
      async (svc, side) => {
        const written = await store.create(info, svc as KubeObject, side);
        return { obj: written.obj, rev: written.rev };
      },
    );
  }

  async update(
    info: ResourceInfo,
    next: KubeObject,
    current: Versioned,
    dryRun: boolean,
  ): Promise<KubeObject> {
    const store = this.options.store;
    const old = current.obj as Service;
    if (!touchesRanges(next, old)) {
      return dryRun ? next : (await store.update(info, next, current.rev)).obj;
    }
    return this.allocating(
      (bitmaps) => {
        const svc = structuredClone(next) as Service;
        return { svc, changes: allocateService(svc, old, this.options.ranges, bitmaps, this.options.random) };
      },
      dryRun,
      async (svc, side) => {
        const written = await store.update(info, svc as KubeObject, current.rev, side);
        return { obj: written.obj, rev: written.rev };
      },
    );
  }

  async delete(info: ResourceInfo, current: Versioned, dryRun: boolean): Promise<void> {
    const store = this.options.store;
    const meta = current.obj.metadata ?? {};
    const old = current.obj as Service;
    if (dryRun) return;
    if (!touchesRanges(undefined, old)) {
      await store.delete(info, meta.namespace, meta.name ?? "", current.rev);
      return;
    }
    await this.allocating(
      (bitmaps) => ({ svc: old, changes: releaseService(old, this.options.ranges, bitmaps) }),
      false,
      async (svc, side) => ({
        obj: svc as KubeObject,
        rev: await store.delete(info, meta.namespace, meta.name ?? "", current.rev, side),
      }),
    );
  }

  /**
   * Rebuilds both ranges from the Services in etcd (repair.ts). Runs between
   * this apiserver's allocating writes, and drops the cached ranges after.
   */
  repair(): Promise<RepairResult> {
    return this.exclusive(async () => {
      this.cached = undefined;
      try {
        return await this.runRepair();
      } finally {
        this.cached = undefined;
      }
    });
  }

  /**
   * Computes the allocation on copies of the ranges and commits it with the
   * Service; on a lost race for a range key, reads the ranges again and
   * starts over (the plan may differ: another apiserver took that IP).
   */
  private allocating(
    plan: (bitmaps: Bitmaps) => { svc: Service; changes: AllocationChanges },
    dryRun: boolean,
    commit: (svc: Service, side: readonly SideWrite[]) => Promise<{ obj: KubeObject; rev: number }>,
  ): Promise<KubeObject> {
    return this.exclusive(async () => {
      for (let attempt = 1; ; attempt++) {
        const fresh = this.cached === undefined;
        const ranges = await this.ranges();
        const bitmaps = { ips: ranges.ips.bitmap.clone(), ports: ranges.ports.bitmap.clone() };
        let planned: { svc: Service; changes: AllocationChanges };
        try {
          planned = plan(bitmaps);
        } catch (err) {
          // "Already allocated" or "full" from a cached map may be stale (another
          // apiserver released it since): only a freshly read map may refuse.
          if (fresh) throw err;
          this.cached = undefined;
          continue;
        }
        const { svc, changes } = planned;
        if (dryRun) return svc as KubeObject;
        const side: SideWrite[] = [];
        if (changes.ips) side.push(this.ipStore.sideWrite(bitmaps.ips, ranges.ips.rev));
        if (changes.ports) side.push(this.portStore.sideWrite(bitmaps.ports, ranges.ports.rev));
        try {
          const { obj, rev } = await commit(svc, side);
          // The transaction's revision is the new mod revision of every key it wrote.
          if (changes.ips) ranges.ips = { bitmap: bitmaps.ips, rev, valid: true };
          if (changes.ports) ranges.ports = { bitmap: bitmaps.ports, rev, valid: true };
          return obj;
        } catch (err) {
          // Whatever happened (a lost race, or etcd failing mid-commit), the
          // cache may be behind: the next write reads the ranges afresh.
          this.cached = undefined;
          if (!(err instanceof SideWriteConflict)) throw err;
          if (attempt >= MAX_ATTEMPTS) {
            throw internalError(
              `the service ranges kept changing concurrently (${attempt} attempts); try again`,
            );
          }
          // Two apiservers in lockstep would collide again at once: stagger them.
          await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
        }
      }
    });
  }

  /** The cached ranges, read (and first repaired, if missing) when there are none. */
  private async ranges(): Promise<Ranges> {
    if (this.cached) return this.cached;
    let [ips, ports] = await Promise.all([this.ipStore.read(), this.portStore.read()]);
    if (!ips.valid || !ports.valid) {
      // Never allocate from a map that is not there: rebuild it from the Services first.
      await this.runRepair();
      [ips, ports] = await Promise.all([this.ipStore.read(), this.portStore.read()]);
      if (!ips.valid || !ports.valid)
        throw serviceUnavailable("the service IP and node port ranges are not ready yet");
    }
    this.cached = { ips, ports };
    return this.cached;
  }

  private runRepair(): Promise<RepairResult> {
    return repairRanges({
      store: this.options.store,
      ips: this.ipStore,
      ports: this.portStore,
      log: this.options.log,
    });
  }

  /** Runs `fn` after every earlier exclusive call of this apiserver has finished. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
