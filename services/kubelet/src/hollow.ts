import type { Logger } from "@ktl/service";
import { startKubelet, type Kubelet, type KubeletShared } from "./kubelet.js";

/** Registrations in flight at once: enough to start 1,000 nodes quickly without flooding the apiserver. */
const START_CONCURRENCY = 32;

/**
 * Hollow nodes (kubemark's idea): N kubelets with the fake runtime in one
 * process, named <base>-0 … <base>-(N-1). They share the apiserver
 * connection, the timer queue and the metrics; each has its own Node, pod
 * manager, prober and HTTP server. Ports: `basePort + i`, or each a free one
 * when basePort is 0 — the apiserver finds each through its Node's
 * daemonEndpoints, so `kubectl logs` works per hollow node. First heartbeats
 * are spread over the report interval so the nodes do not write in bursts.
 */
export async function startHollowNodes(
  shared: KubeletShared,
  options: { baseName: string; count: number; basePort: number; log: Logger },
): Promise<Kubelet[]> {
  const kubelets: Kubelet[] = new Array<Kubelet>(options.count);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < options.count; i = next++) {
      const nodeName = `${options.baseName}-${i}`;
      kubelets[i] = await startKubelet(shared, {
        nodeName,
        port: options.basePort === 0 ? 0 : options.basePort + i,
        log: withFields(options.log, { node: nodeName }),
        spreadHeartbeats: true,
      });
    }
  };
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(START_CONCURRENCY, options.count) }, worker),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.allSettled(kubelets.filter(Boolean).map((k) => k.stop()));
    throw failed.reason;
  }
  return kubelets;
}

/** A logger adding `fields` to every line. */
export function withFields(log: Logger, fields: Record<string, unknown>): Logger {
  return {
    info: (msg, more) => log.info(msg, { ...fields, ...more }),
    warn: (msg, more) => log.warn(msg, { ...fields, ...more }),
    error: (msg, more) => log.error(msg, { ...fields, ...more }),
  };
}
