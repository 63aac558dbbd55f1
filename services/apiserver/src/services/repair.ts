/**
 * The repair pass over both service ranges, as Kubernetes' ipallocator and
 * portallocator repair controllers: rebuild each bitmap from the Services in
 * etcd and write it back if it differs.
 *
 * Why a bit set without a Service is released at once (Kubernetes waits a
 * few passes): here a Service and its allocations are written in one etcd
 * transaction, so there is no window in which an allocation exists before
 * its Service. The pass reads the Services and both range keys at one
 * revision and writes the ranges only if their keys have not moved since —
 * any allocating write in between moved them — so a repair can never free
 * what a concurrent create just took. What it does fix: a range key deleted
 * or written for another range, a Service written into etcd behind the
 * apiserver's back, leftovers of a pre-transaction state.
 */
import { findResource, type ResourceInfo, type Service } from "@ktl/api";
import type { Logger } from "@ktl/service";
import { etcdCall } from "../storage/etcd-errors.js";
import type { Store } from "../storage/store.js";
import type { AllocationBitmap } from "./bitmap.js";
import type { AllocationRange } from "./ranges.js";
import type { RangeStore } from "./range-store.js";
import { heldClusterIPs, heldNodePorts } from "./service-fields.js";

const SERVICES = findResource("", "services") as ResourceInfo;
const ATTEMPTS = 5;

export type Problem =
  | { readonly kind: "outOfRange" | "duplicate"; readonly value: string; readonly service: string }
  | { readonly kind: "unmarked" | "leaked"; readonly value: string };

export interface Rebuilt {
  readonly bitmap: AllocationBitmap;
  readonly problems: Problem[];
}

/**
 * A bitmap holding exactly what `services` hold, compared with `stored`
 * (undefined: nothing trustworthy stored). Values outside the range and
 * values held twice are reported, as Kubernetes reports them: the Services
 * keep them, and someone has to recreate one.
 */
export function rebuild<V>(options: {
  services: readonly Service[];
  range: AllocationRange<V>;
  held: (svc: Service) => Iterable<V>;
  stored: AllocationBitmap | undefined;
}): Rebuilt {
  const { range, stored } = options;
  const bitmap = range.newBitmap();
  const problems: Problem[] = [];
  for (const svc of options.services) {
    const service = `${svc.metadata?.namespace ?? ""}/${svc.metadata?.name ?? ""}`;
    for (const value of options.held(svc)) {
      const offset = range.offsetOf(value);
      if (offset === undefined) problems.push({ kind: "outOfRange", value: String(value), service });
      else if (!bitmap.allocate(offset)) problems.push({ kind: "duplicate", value: String(value), service });
      else if (stored && !stored.has(offset)) problems.push({ kind: "unmarked", value: String(value) });
    }
  }
  if (stored) {
    for (const offset of stored.offsets()) {
      if (!bitmap.has(offset)) problems.push({ kind: "leaked", value: String(range.valueAt(offset)) });
    }
  }
  return { bitmap, problems };
}

export interface RepairResult {
  /** Whether either range key was (re)written. */
  readonly written: boolean;
  readonly ips: readonly Problem[];
  readonly ports: readonly Problem[];
}

/**
 * One repair pass: lists the Services and reads both ranges at one etcd
 * revision, rebuilds, and writes the ranges that differ in one transaction
 * guarded by their mod revisions; starts over (a few times) when a write
 * came in between.
 */
export async function repairRanges(options: {
  store: Store;
  ips: RangeStore<string>;
  ports: RangeStore<number>;
  log: Logger;
}): Promise<RepairResult> {
  const { store, log } = options;
  for (let attempt = 1; ; attempt++) {
    const services: Service[] = [];
    let revision = 0;
    for await (const page of store.scan(store.keys.kindPrefix(SERVICES))) {
      revision = page.revision;
      for (const kv of page.kvs) services.push(store.fromKeyValue(SERVICES, kv).obj);
    }
    const [storedIPs, storedPorts] = await Promise.all([
      options.ips.read(revision),
      options.ports.read(revision),
    ]);
    const ips = rebuild({
      services,
      range: options.ips.range,
      held: heldClusterIPs,
      stored: storedIPs.valid ? storedIPs.bitmap : undefined,
    });
    const ports = rebuild({
      services,
      range: options.ports.range,
      held: heldNodePorts,
      stored: storedPorts.valid ? storedPorts.bitmap : undefined,
    });
    const writes = [
      differs(storedIPs, ips.bitmap) ? options.ips.sideWrite(ips.bitmap, storedIPs.rev) : undefined,
      differs(storedPorts, ports.bitmap) ? options.ports.sideWrite(ports.bitmap, storedPorts.rev) : undefined,
    ].filter((w) => w !== undefined);
    if (writes.length === 0) return { written: false, ips: ips.problems, ports: ports.problems };
    const res = await etcdCall("repair", () =>
      store.etcd
        .if(options.ips.key, "Mod", "==", storedIPs.rev)
        .and(options.ports.key, "Mod", "==", storedPorts.rev)
        .then(...writes.map((w) => store.etcd.put(w.key).value(Buffer.from(w.value))))
        .commit(),
    );
    if (res.succeeded) {
      report(log, "ClusterIP", options.ips.range.text, ips.problems, !storedIPs.valid);
      report(log, "NodePort", options.ports.range.text, ports.problems, !storedPorts.valid);
      return { written: true, ips: ips.problems, ports: ports.problems };
    }
    if (attempt >= ATTEMPTS) {
      throw new Error(`service range repair lost ${ATTEMPTS} races with concurrent writes; will retry`);
    }
  }
}

function differs(stored: { valid: boolean; bitmap: AllocationBitmap }, fresh: AllocationBitmap): boolean {
  return !stored.valid || !Buffer.from(stored.bitmap.snapshot()).equals(Buffer.from(fresh.snapshot()));
}

function report(
  log: Logger,
  what: string,
  range: string,
  problems: readonly Problem[],
  rebuilt: boolean,
): void {
  if (rebuilt) log.warn(`the ${what} allocation map was missing or for another range; rebuilt it`, { range });
  for (const p of problems) {
    switch (p.kind) {
      case "outOfRange":
        log.warn(
          `the ${what} ${p.value} for Service ${p.service} is not within the range ${range}; please recreate`,
        );
        break;
      case "duplicate":
        log.warn(
          `the ${what} ${p.value} for Service ${p.service} was assigned to multiple services; please recreate`,
        );
        break;
      case "unmarked":
        log.warn(`the ${what} ${p.value} was assigned but not marked allocated; repaired`);
        break;
      case "leaked":
        log.info(`the ${what} ${p.value} was allocated but no Service holds it; released`);
        break;
    }
  }
}
