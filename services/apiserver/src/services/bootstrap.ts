/**
 * What the apiserver runs in the background for Services: the periodic
 * repair of the ranges and the `default/kubernetes` Service.
 */
import { findResource, type ResourceInfo, type ServiceSpec } from "@ktl/api";
import { isAlreadyExists, isInvalid } from "@ktl/apimachinery";
import type { Logger } from "@ktl/service";
import type { Registry } from "../registry/registry.js";
import type { KubeObject } from "../storage/object.js";
import type { ServiceAllocator } from "./allocator.js";

const SERVICES = findResource("", "services") as ResourceInfo;

/**
 * Repairs the ranges now and then every `intervalMs` (Kubernetes: every 3
 * minutes, and at start). A failed pass — etcd down — is retried sooner,
 * with back-off. Returns the function that stops the loop.
 */
export function startRepairLoop(allocator: ServiceAllocator, intervalMs: number, log: Logger): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failures = 0;
  const pass = async (): Promise<void> => {
    try {
      await allocator.repair();
      failures = 0;
    } catch (err) {
      failures++;
      log.warn("could not repair the service ranges", { error: String(err) });
    }
    if (stopped) return;
    const delay = failures === 0 ? intervalMs : Math.min(intervalMs, 200 * 2 ** Math.min(failures, 8));
    timer = setTimeout(() => void pass(), delay);
    timer.unref();
  };
  void pass();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * Creates `default/kubernetes` if it is missing, as Kubernetes' controlplane
 * reconciler does: ClusterIP = the range's first address, port 443 (https)
 * to this apiserver's port. It has no selector and no Endpoints: the
 * apiserver listens on loopback, which an Endpoints address may not be.
 * Retries until etcd answers.
 */
export async function ensureKubernetesService(options: {
  registry: Registry;
  clusterIP: string;
  targetPort: number;
  log: Logger;
  signal?: AbortSignal;
}): Promise<void> {
  const { registry, log } = options;
  const spec: ServiceSpec = {
    type: "ClusterIP",
    clusterIP: options.clusterIP,
    ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: options.targetPort }],
    sessionAffinity: "None",
  };
  const svc: KubeObject = {
    metadata: {
      name: "kubernetes",
      namespace: "default",
      labels: { component: "apiserver", provider: "kubernetes" },
    },
    spec,
  };
  for (let delay = 200; !options.signal?.aborted; delay = Math.min(delay * 2, 5000)) {
    try {
      await registry.create(SERVICES, "default", structuredClone(svc));
      log.info("created the kubernetes Service", { clusterIP: options.clusterIP });
      return;
    } catch (err) {
      if (isAlreadyExists(err)) return;
      if (isInvalid(err)) {
        // Another Service took the address: retrying cannot help.
        log.error("cannot create the kubernetes Service", { error: String(err) });
        return;
      }
      log.warn("could not create the kubernetes Service, retrying", { error: String(err) });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
