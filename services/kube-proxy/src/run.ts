/**
 * The proxy's control loop: informers over Services and Endpoints; every
 * change asks the sync runner for a sync, which recomputes the whole state
 * from the caches (level-based), puts the ClusterIPs on `lo` and hands the
 * state to the mode's proxier.
 */
import { findResource, type Endpoints, type ResourceInfo, type Service } from "@ktl/api";
import type { ApiClient } from "@ktl/client";
import { InformerFactory, realClock } from "@ktl/informers";
import type { Logger } from "@ktl/service";
import type { LoopbackAddresses } from "./addresses.js";
import type { ProxyMetrics } from "./metrics.js";
import { buildState, clusterIPsOf } from "./model.js";
import type { Proxier } from "./proxier.js";
import { SyncRunner } from "./sync-runner.js";

function resource(name: string): ResourceInfo {
  const info = findResource("", name);
  if (!info) throw new Error(`unknown resource ${name}`);
  return info;
}

/** How often addresses are reconciled and the proxier does its chores. */
export const HOUSEKEEPING_MS = 250;

export interface RunProxyOptions {
  readonly client: ApiClient;
  readonly log: Logger;
  readonly metrics: ProxyMetrics;
  readonly proxier: Proxier;
  readonly addresses: LoopbackAddresses;
  readonly serviceCidr: string;
  readonly clusterCidr: string;
  readonly minSyncPeriodMs: number;
  readonly syncPeriodMs: number;
  readonly signal: AbortSignal;
  /** Called once, when the first sync has been applied. */
  readonly onReady?: () => void;
}

/** Runs until `signal` aborts; the caller then stops the proxier and removes the addresses. */
export async function runProxy(options: RunProxyOptions): Promise<void> {
  const { client, log, metrics, proxier, addresses, signal } = options;
  const informers = new InformerFactory({ client, logger: log });
  const services = informers.informerFor<Service>(resource("services"));
  const endpoints = informers.informerFor<Endpoints>(resource("endpoints"));
  let lastSkipped = new Set<string>();
  let ready = false;

  const sync = async (pendingSinceMs: number | undefined): Promise<void> => {
    const started = performance.now();
    const state = buildState(services.store.list() as Service[], endpoints.store.list() as Endpoints[], {
      serviceCidr: options.serviceCidr,
      clusterCidr: options.clusterCidr,
    });
    const skipped = new Set(state.skipped);
    for (const reason of skipped) if (!lastSkipped.has(reason)) log.warn("not served", { reason });
    lastSkipped = skipped;
    // Addresses first: the userspace listeners bind on them.
    addresses.setDesired(clusterIPsOf(state));
    await reconcileAddresses();
    try {
      await proxier.sync(state);
    } catch (err) {
      metrics.syncErrors++;
      throw err;
    }
    const done = performance.now();
    metrics.syncs++;
    metrics.lastSyncSeconds = Date.now() / 1000;
    metrics.syncDuration.observe((done - started) / 1000);
    if (pendingSinceMs !== undefined) metrics.programmingLatency.observe((done - pendingSinceMs) / 1000);
    metrics.servicePorts = state.ports.length;
    metrics.endpoints = state.ports.reduce((n, p) => n + p.endpoints.length, 0);
    if (!ready) {
      ready = true;
      options.onReady?.();
    }
  };

  const reconcileAddresses = async (): Promise<void> => {
    const { added, removed } = await addresses.reconcile();
    if (added.length > 0 || removed.length > 0) {
      log.info("ClusterIP addresses changed", { added: added.length, removed: removed.length });
    }
    metrics.ownedAddresses = addresses.owned;
  };

  const runner = new SyncRunner(sync, {
    minIntervalMs: options.minSyncPeriodMs,
    periodMs: options.syncPeriodMs,
    onError: (err, failures) =>
      log.error("sync failed", { error: err instanceof Error ? err.message : String(err), failures }),
  });
  const changed = (counter: "servicesChanges" | "endpointsChanges") => (): void => {
    metrics[counter]++;
    runner.request();
  };
  services.addEventHandler({
    onAdd: changed("servicesChanges"),
    onUpdate: (old, obj) => {
      if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) changed("servicesChanges")();
    },
    onDelete: changed("servicesChanges"),
  });
  endpoints.addEventHandler({
    onAdd: changed("endpointsChanges"),
    onUpdate: (old, obj) => {
      if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) changed("endpointsChanges")();
    },
    onDelete: changed("endpointsChanges"),
  });

  informers.start(signal);
  if (!(await informers.waitForSync(signal))) return;
  log.info("caches synced", { services: services.store.list().length });
  await runner.runNow();

  for (let tick = 1; !signal.aborted; tick++) {
    await realClock.sleep(HOUSEKEEPING_MS, signal);
    if (signal.aborted) break;
    try {
      // Every other tick: a takeover needs the address back before the listener can bind.
      if (tick % 2 === 0) await reconcileAddresses();
      await proxier.housekeeping();
    } catch (err) {
      log.warn("housekeeping failed", { error: err instanceof Error ? err.message : String(err) });
    }
  }
  runner.stop();
  await informers.stopped();
}
