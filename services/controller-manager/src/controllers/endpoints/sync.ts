import { isDeepStrictEqual } from "node:util";
import { findResource, type Endpoints, type Pod, type ResourceInfo, type Service } from "@ktl/api";
import { isNotFound } from "@ktl/apimachinery";
import type { Client } from "@ktl/client";
import type { ReconcileResult, Reconciler } from "@ktl/controller";
import { splitKey, type DeepReadonly, type Indexer, type Store } from "@ktl/informers";
import type { Logger } from "@ktl/service";
import { endpointSubsets } from "./subsets.js";

export const ENDPOINTS = findResource("", "endpoints") as ResourceInfo;

/** Set on the Endpoints of a headless Service, as Kubernetes does (`v1.IsHeadlessService`). */
export const HEADLESS_LABEL = "service.kubernetes.io/headless";

/** How soon to look again when the Endpoints cache has not yet seen this controller's last write. */
export const STALE_RETRY_MS = 50;
/** After this long the cache is trusted again even if it never showed the write. */
const STALE_LIMIT_MS = 5000;

export interface EndpointsReconcilerOptions {
  readonly client: Client;
  readonly services: Store<Service>;
  /** The pods cache, indexed by namespace. */
  readonly pods: Indexer<Pod>;
  readonly endpoints: Store<Endpoints>;
  readonly log: Logger;
  /** Monotonic milliseconds, for the stale-cache bound. */
  readonly now?: () => number;
}

/**
 * Kubernetes' endpoints controller sync (pkg/controller/endpoint): for the
 * Service at `key`, the Endpoints of the same name list the addresses of the
 * pods its selector matches (subsets.ts). Level-based: it reads the caches
 * and writes only when the subsets or labels differ. Services without a
 * selector, and ExternalName Services, are left alone (their Endpoints are
 * the user's); a Service that is gone takes its Endpoints with it.
 */
export class EndpointsReconciler implements Reconciler {
  /**
   * Per key, the Endpoints resourceVersion this controller replaced ("" after
   * a create): while the cache still shows it, the cache is behind our own
   * write and acting on it would only produce a conflict (Kubernetes'
   * staleEndpointsTracker).
   */
  private readonly replaced = new Map<string, { readonly rv: string; readonly at: number }>();

  private readonly now: () => number;

  constructor(private readonly options: EndpointsReconcilerOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * The Endpoints cache delivered an event for `key`: it has caught up with
   * (or gone past) this controller's last write there.
   */
  observed(key: string): void {
    this.replaced.delete(key);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { client, log } = this.options;
    const { namespace, name } = splitKey(key);
    const service = this.options.services.get(key);
    if (!service) {
      this.replaced.delete(key);
      try {
        await client.delete(ENDPOINTS, namespace, name);
        log.info("deleted the Endpoints of a deleted Service", { service: key });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    if (service.spec?.type === "ExternalName") return;
    const selector = service.spec?.selector ?? {};
    // An empty selector is as good as none: protobuf cannot tell them apart.
    if (Object.keys(selector).length === 0) return;

    const current = this.options.endpoints.get(key);
    if (this.isStale(key, current)) return { requeueAfterMs: STALE_RETRY_MS };

    const pods = this.options.pods
      .listByIndex("byNamespace", namespace ?? "")
      .filter((pod) => matches(selector, pod.metadata?.labels));
    const subsets = endpointSubsets(service, pods);
    const labels: Record<string, string> = { ...service.metadata?.labels };
    const clusterIP = service.spec?.clusterIP ?? "";
    if (clusterIP === "" || clusterIP === "None") labels[HEADLESS_LABEL] = "";

    if (
      current &&
      isDeepStrictEqual(current.subsets ?? [], subsets) &&
      isDeepStrictEqual(current.metadata?.labels ?? {}, labels)
    ) {
      return;
    }
    if (!current) {
      await client.create<Endpoints>(ENDPOINTS, namespace, {
        metadata: { name, namespace, labels },
        subsets,
      });
      this.replaced.set(key, { rv: "", at: this.now() });
    } else {
      const next = structuredClone(current) as Endpoints;
      next.metadata = { ...next.metadata, labels };
      next.subsets = subsets;
      await client.update<Endpoints>(ENDPOINTS, next);
      this.replaced.set(key, { rv: current.metadata?.resourceVersion ?? "", at: this.now() });
    }
    log.info("wrote Endpoints", {
      service: key,
      ready: count(subsets, "addresses"),
      notReady: count(subsets, "notReadyAddresses"),
    });
  }

  private isStale(key: string, current: DeepReadonly<Endpoints> | undefined): boolean {
    const replaced = this.replaced.get(key);
    if (replaced === undefined) return false;
    const seen = current ? (current.metadata?.resourceVersion ?? "") : "";
    // Bounded: should the event never come (a watch gap), act on the cache anyway.
    if (seen === replaced.rv && this.now() - replaced.at < STALE_LIMIT_MS) return true;
    this.replaced.delete(key);
    return false;
  }
}

/** A Service selector is a plain equality map: every pair must be among the pod's labels. */
export function matches(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function count(
  subsets: readonly { addresses?: unknown[]; notReadyAddresses?: unknown[] }[],
  field: "addresses" | "notReadyAddresses",
): number {
  return subsets.reduce((n, s) => n + (s[field]?.length ?? 0), 0);
}
