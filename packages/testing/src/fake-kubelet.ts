import { findResource, type Pod, type PodCondition, type ResourceInfo } from "@ktl/api";
import type { ApiClient } from "@ktl/client";

const PODS = findResource("", "pods") as ResourceInfo;

export interface FakeKubeletOptions {
  readonly client: ApiClient;
  readonly namespace?: string;
  /** How long a pod takes to become Ready. */
  readonly startupMs?: number;
  /** Pods whose image matches never become Ready (they stay Running, not ready). */
  readonly neverReady?: (image: string) => boolean;
}

/**
 * Plays the kubelet for controller tests: every pod that appears is marked
 * Running and Ready (with a pod IP) after `startupMs`, through the status
 * subresource as a kubelet would, unless its image says it never gets ready.
 * Stop it with the returned function.
 */
export function startFakeKubelet(options: FakeKubeletOptions): () => void {
  const abort = new AbortController();
  const startupMs = options.startupMs ?? 50;
  let nextIp = 2;
  const markReady = async (pod: Pod): Promise<void> => {
    await new Promise((r) => setTimeout(r, startupMs));
    if (abort.signal.aborted) return;
    const image = pod.spec?.containers?.[0]?.image ?? "";
    const ready = !(options.neverReady?.(image) ?? false);
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const condition = (type: string, status: boolean): PodCondition => ({
      type,
      status: status ? "True" : "False",
      lastTransitionTime: now,
    });
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const current = await options.client.get<Pod>(
          PODS,
          pod.metadata?.namespace,
          pod.metadata?.name ?? "",
        );
        if (current.metadata?.deletionTimestamp) return;
        await options.client.updateStatus<Pod>(PODS, {
          ...current,
          status: {
            ...current.status,
            phase: "Running",
            podIP: `100.64.0.${(nextIp++ % 250) + 2}`,
            startTime: now,
            conditions: [
              condition("PodScheduled", true),
              condition("Initialized", true),
              condition("ContainersReady", ready),
              condition("Ready", ready),
            ],
            containerStatuses: (current.spec?.containers ?? []).map((c) => ({
              name: c.name,
              image: c.image,
              ready,
              restartCount: 0,
              started: true,
              state: { running: { startedAt: now } },
            })),
          },
        });
        return;
      } catch {
        // conflict or gone: look again
      }
    }
  };
  void (async () => {
    while (!abort.signal.aborted) {
      try {
        for await (const ev of options.client.watch<Pod>(PODS, options.namespace, {}, abort.signal)) {
          if (ev.type === "ADDED" && !ev.object.status?.podIP) void markReady(ev.object);
        }
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  })();
  return () => abort.abort();
}
