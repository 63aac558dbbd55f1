/**
 * Kubernetes' controller expectations (controller_utils.go): after a
 * controller asks for N creations or deletions it waits until its informer has
 * observed them before it trusts the cache again, so a slow watch never makes
 * it create or delete twice. Expectations expire after a TTL so a lost event
 * cannot wedge a controller forever.
 */
interface Record {
  adds: number;
  /** UIDs of objects whose deletion is expected. */
  deletes: Set<string>;
  setAt: number;
}

export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

export class Expectations {
  private readonly records = new Map<string, Record>();

  constructor(
    private readonly clock: { now(): number } = { now: () => Date.now() },
    private readonly ttlMs = EXPECTATIONS_TTL_MS,
  ) {}

  /** True when the controller may act on `key`: nothing pending, or the expectations expired. */
  satisfied(key: string): boolean {
    const record = this.records.get(key);
    if (!record) return true;
    if (record.adds <= 0 && record.deletes.size === 0) return true;
    return this.clock.now() - record.setAt > this.ttlMs;
  }

  /** Replaces the expectations of `key`: `adds` creations and deletions of these UIDs. */
  expect(key: string, adds: number, deleteUids: Iterable<string> = []): void {
    this.records.set(key, { adds, deletes: new Set(deleteUids), setAt: this.clock.now() });
  }

  /** A creation was observed (or a create call failed, so it will never be). */
  creationObserved(key: string): void {
    const record = this.records.get(key);
    if (record) record.adds--;
  }

  /** A deletion was observed (or a delete call failed). */
  deletionObserved(key: string, uid: string): void {
    this.records.get(key)?.deletes.delete(uid);
  }

  /** Forgets `key` (its owner is gone). */
  delete(key: string): void {
    this.records.delete(key);
  }

  pending(key: string): { adds: number; deletes: number } | undefined {
    const record = this.records.get(key);
    return record && { adds: record.adds, deletes: record.deletes.size };
  }
}
