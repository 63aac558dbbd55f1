/**
 * The endpoints controller (Kubernetes' `pkg/controller/endpoint`): informers
 * for Services, pods and Endpoints; handlers that turn every change into the
 * `namespace/name` keys of the Services concerned; workers that run
 * `EndpointsReconciler` (sync.ts) on them.
 */
import { isDeepStrictEqual } from "node:util";
import { findResource, type Endpoints, type Pod, type ResourceInfo, type Service } from "@ktl/api";
import { runWorkers } from "@ktl/controller";
import { finalState, keyOf, type DeepReadonly, type EventHandler, type Indexer } from "@ktl/informers";
import type { Controller } from "../../controller.js";
import { isPodReady, podIPv4 } from "./subsets.js";
import { ENDPOINTS, EndpointsReconciler, matches } from "./sync.js";

export const NAME = "endpoints";

const SERVICES = findResource("", "services") as ResourceInfo;
const PODS = findResource("", "pods") as ResourceInfo;

/** Endpoints kept by leader election (older Kubernetes) have no Service and must not be swept. */
const LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader";

type ReadonlyPod = DeepReadonly<Pod>;

/** The Services in the pod's namespace whose selector matches it. */
export function servicesOf(services: Indexer<Service>, pod: ReadonlyPod): string[] {
  const labels = pod.metadata?.labels;
  return services
    .listByIndex("byNamespace", pod.metadata?.namespace ?? "")
    .filter((svc) => {
      const selector = svc.spec?.selector ?? {};
      return Object.keys(selector).length > 0 && matches(selector, labels);
    })
    .map((svc) => keyOf(svc));
}

/**
 * Whether a pod update can change any Endpoints, and whether it can change
 * which Services select it (Kubernetes' podEndpointsChanged, plus the phase,
 * since finished pods leave their Endpoints).
 */
export function podChange(old: ReadonlyPod, pod: ReadonlyPod): { endpoints: boolean; membership: boolean } {
  const membership =
    !isDeepStrictEqual(old.metadata?.labels ?? {}, pod.metadata?.labels ?? {}) ||
    old.spec?.hostname !== pod.spec?.hostname ||
    old.spec?.subdomain !== pod.spec?.subdomain;
  const endpoints =
    old.metadata?.deletionTimestamp !== pod.metadata?.deletionTimestamp ||
    isPodReady(old) !== isPodReady(pod) ||
    podIPv4(old) !== podIPv4(pod) ||
    old.spec?.nodeName !== pod.spec?.nodeName ||
    old.status?.phase !== pod.status?.phase;
  return { endpoints, membership };
}

/** Pod events → the keys of the Services whose Endpoints they may change. */
export function podEventHandler(
  services: Indexer<Service>,
  enqueue: (key: string) => void,
): EventHandler<Pod> {
  return {
    onAdd: (pod) => servicesOf(services, pod).forEach(enqueue),
    onUpdate: (old, pod) => {
      if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
      const change = podChange(old, pod);
      if (!change.endpoints && !change.membership) return;
      const now = servicesOf(services, pod);
      if (!change.membership) {
        now.forEach(enqueue);
        return;
      }
      const before = servicesOf(services, old);
      // With only its labels changed, a pod matters to the Services it joined
      // or left; otherwise to all of them (Kubernetes' determineNeededServiceUpdates).
      const keys = change.endpoints
        ? new Set([...before, ...now])
        : new Set([...before, ...now].filter((k) => before.includes(k) !== now.includes(k)));
      keys.forEach(enqueue);
    },
    onDelete: (obj) => servicesOf(services, finalState(obj)).forEach(enqueue),
  };
}

/** Endpoints kept by this controller, as `kubectl get endpoints` shows them (sync.ts). */
export const endpointsController: Controller = {
  name: NAME,
  eventComponent: "endpoint-controller",
  setup(ctx) {
    const queue = ctx.newQueue(NAME);
    const enqueue = (key: string): void => queue.add(key);
    const services = ctx.informers.informerFor<Service>(SERVICES);
    const pods = ctx.informers.informerFor<Pod>(PODS);
    const endpoints = ctx.informers.informerFor<Endpoints>(ENDPOINTS);
    const reconciler = new EndpointsReconciler({
      client: ctx.client,
      services: services.store,
      pods: pods.indexer,
      endpoints: endpoints.store,
      log: ctx.log,
    });
    services.addEventHandler({
      onAdd: (svc) => enqueue(keyOf(svc)),
      onUpdate: (_old, svc) => enqueue(keyOf(svc)),
      onDelete: (obj) => enqueue(keyOf(obj)),
    });
    pods.addEventHandler(podEventHandler(services.indexer, enqueue));
    // Every change of an Endpoints is looked at again: it may be this
    // controller's write arriving (a no-op then), a hand edit of Endpoints it
    // manages, or their deletion — all put right at once.
    // A change to the Endpoints of an existing Service is looked at again: it
    // may be this controller's own write arriving (a no-op then), or a hand
    // edit or deletion of Endpoints it manages, put right at once. Endpoints
    // without a Service are left alone here — a user may create them before
    // their selector-less Service — and swept only at start, below.
    const endpointsChanged = (ep: DeepReadonly<Endpoints>): void => {
      const key = keyOf(ep);
      reconciler.observed(key);
      if (services.store.has(key)) enqueue(key);
    };
    endpoints.addEventHandler({
      onAdd: endpointsChanged,
      onUpdate: (old, ep) => {
        if (old.metadata?.resourceVersion !== ep.metadata?.resourceVersion) endpointsChanged(ep);
      },
      onDelete: (obj) => endpointsChanged(finalState(obj)),
    });
    return {
      run: (signal) => {
        // Endpoints whose Service went while this controller was not running
        // go now (Kubernetes' checkLeftoverEndpoints, also once at start).
        for (const ep of endpoints.store.list()) {
          if (ep.metadata?.annotations?.[LEADER_ANNOTATION] === undefined) enqueue(keyOf(ep));
        }
        return runWorkers({
          name: NAME,
          queue,
          reconciler,
          workers: ctx.config.workers,
          signal,
          log: ctx.log,
        });
      },
    };
  },
};
