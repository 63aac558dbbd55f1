import type { RuntimeService } from "@ktl/cri";
import { READY, type Readiness } from "./node-status.js";

/** What node readiness depends on. */
export interface ReadinessInputs {
  /** The runtime's own conditions (RuntimeReady, NetworkReady). */
  readonly runtime: Pick<RuntimeService, "status">;
  /** False while the node waits for spec.podCIDR to write its CNI configuration (cri only). */
  readonly networkConfigured: () => boolean;
}

const STATUS_TIMEOUT_MS = 5000;

/**
 * Ready unless the pod network waits for its podCIDR, the runtime does not
 * answer, or it reports RuntimeReady / NetworkReady false (containerd does
 * until the CNI configuration exists). Messages follow the kubelet's.
 */
export async function nodeReadiness(inputs: ReadinessInputs): Promise<Readiness> {
  if (!inputs.networkConfigured()) {
    return {
      ready: false,
      reason: "NetworkPluginNotReady",
      message: "network not ready: waiting for podCIDR",
    };
  }
  let conditions;
  try {
    conditions = (await inputs.runtime.status({}, { timeoutMs: STATUS_TIMEOUT_MS })).status?.conditions ?? [];
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ready: false, reason: "KubeletNotReady", message: `container runtime is down: ${message}` };
  }
  const describe = (c: { type?: string; reason?: string; message?: string }): string =>
    `${c.type ?? ""}=false reason:${c.reason ?? ""} message:${c.message ?? ""}`;
  const runtime = conditions.find((c) => c.type === "RuntimeReady");
  if (!runtime?.status) {
    const detail = runtime ? describe(runtime) : "RuntimeReady condition not reported";
    return { ready: false, reason: "KubeletNotReady", message: `container runtime not ready: ${detail}` };
  }
  const network = conditions.find((c) => c.type === "NetworkReady");
  if (!network?.status) {
    const detail = network ? describe(network) : "NetworkReady condition not reported";
    return {
      ready: false,
      reason: "NetworkPluginNotReady",
      message: `container runtime network not ready: ${detail}`,
    };
  }
  return READY;
}
