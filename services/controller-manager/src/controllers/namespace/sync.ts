import { isDeepStrictEqual } from "node:util";
import { findResource, type Namespace, type ResourceInfo } from "@ktl/api";
import { isNotFound } from "@ktl/apimachinery";
import type { Client } from "@ktl/client";
import type { ReconcileResult, Reconciler } from "@ktl/controller";
import type { DeepReadonly, Store } from "@ktl/informers";
import type { Logger } from "@ktl/service";
import { deletionConditions, mergeConditions } from "./conditions.js";
import { ContentDeleter, type ContentEstimate } from "./deleter.js";

/** The spec finalizer that says "the namespace controller has not emptied this namespace yet". */
export const KUBERNETES_FINALIZER = "kubernetes";

const NAMESPACES = findResource("", "namespaces") as ResourceInfo;

/** Waits between passes over a namespace whose content is not all gone: doubling, capped. */
const FIRST_WAIT_MS = 500;
const MAX_WAIT_MS = 15_000;

export interface NamespaceReconcilerOptions {
  readonly client: Client;
  /** The namespaces informer's cache. */
  readonly namespaces: Store<Namespace>;
  readonly log: Logger;
  readonly deleter?: ContentDeleter;
  readonly now?: () => Date;
}

/**
 * Empties terminating namespaces (Kubernetes' NamespaceController): for a
 * namespace with a deletionTimestamp and the `kubernetes` spec finalizer,
 * deletes everything in it, reports progress in its conditions, and once
 * nothing is left removes the finalizer through the `finalize` subresource,
 * upon which the apiserver deletes the namespace. Content that takes time
 * (finalizers, foreground deletions) is waited for by requeueing with a
 * growing delay rather than by failing, so a slow namespace is never dropped
 * after the worker's retry limit.
 */
export class NamespaceReconciler implements Reconciler {
  private readonly client: Client;
  private readonly namespaces: Store<Namespace>;
  private readonly log: Logger;
  private readonly deleter: ContentDeleter;
  private readonly now: () => Date;
  /** Passes so far over each terminating namespace (by name, for that uid), for the requeue delay. */
  private readonly passes = new Map<string, { readonly uid: string; readonly count: number }>();

  constructor(options: NamespaceReconcilerOptions) {
    this.client = options.client;
    this.namespaces = options.namespaces;
    this.log = options.log;
    this.deleter = options.deleter ?? new ContentDeleter(options.client);
    this.now = options.now ?? (() => new Date());
  }

  async reconcile(name: string): Promise<ReconcileResult | void> {
    const ns = this.namespaces.get(name);
    const uid = ns?.metadata?.uid ?? "";
    if (!ns?.metadata?.deletionTimestamp || !ns.spec?.finalizers?.includes(KUBERNETES_FINALIZER)) {
      this.passes.delete(name);
      return;
    }
    const estimate = await this.deleter.deleteAll(name);
    const current = await this.writeConditions(ns, estimate);
    if (estimate.failures.length > 0 || estimate.remaining.size > 0) {
      const previous = this.passes.get(name);
      const pass = (previous?.uid === uid ? previous.count : 0) + 1;
      this.passes.set(name, { uid, count: pass });
      if (estimate.failures.length > 0) {
        this.log.error("deleting the content of a namespace failed", {
          namespace: name,
          failures: estimate.failures.slice(0, 5),
        });
      }
      return { requeueAfterMs: Math.min(FIRST_WAIT_MS * 2 ** (pass - 1), MAX_WAIT_MS) };
    }
    await this.finalize(current);
    this.passes.delete(name);
    this.log.info("namespace emptied and finalized", { namespace: name });
  }

  /** Writes the deletion conditions when they changed; returns the namespace as now stored. */
  private async writeConditions(
    ns: DeepReadonly<Namespace>,
    estimate: ContentEstimate,
  ): Promise<DeepReadonly<Namespace>> {
    const now = this.now()
      .toISOString()
      .replace(/\.\d+Z$/, "Z");
    const conditions = mergeConditions(ns.status?.conditions, deletionConditions(estimate), now);
    if (isDeepStrictEqual(conditions, ns.status?.conditions ?? [])) return ns;
    const next = structuredClone(ns) as Namespace;
    next.status = { ...next.status, conditions };
    return this.client.updateStatus(NAMESPACES, next);
  }

  private async finalize(ns: DeepReadonly<Namespace>): Promise<void> {
    const next = structuredClone(ns) as Namespace;
    next.spec = {
      ...next.spec,
      finalizers: (next.spec?.finalizers ?? []).filter((f) => f !== KUBERNETES_FINALIZER),
    };
    try {
      await this.client.update(NAMESPACES, next, "finalize");
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
