import type { Pod } from "@ktl/api";
import { isNotFound, type CallOptions, type RuntimeService } from "@ktl/cri";
import type { Logger } from "@ktl/service";
import type { KillReason } from "./actions.js";
import { containerReference, type PodEventRecorder } from "./pod-events.js";
import type { PodRuntimeStatus, RuntimeContainer } from "./runtime-status.js";

/** The kubelet never gives a container less than this to stop (minimumGracePeriodInSeconds). */
export const MINIMUM_GRACE_SECONDS = 2;
const DEFAULT_GRACE_SECONDS = 30;

/**
 * Seconds a container gets between SIGTERM and SIGKILL
 * (setTerminationGracePeriod): the pod's deletion grace period while it is
 * being deleted, else the probe's own terminationGracePeriodSeconds for a
 * probe kill, else the pod's; `override` (a shorter termination) wins; never
 * below 2 seconds.
 */
export function containerGracePeriod(
  pod: Pod | undefined,
  options: { reason?: KillReason; containerName?: string; override?: number; fallback?: number } = {},
): number {
  let grace = options.fallback ?? DEFAULT_GRACE_SECONDS;
  if (pod?.metadata?.deletionGracePeriodSeconds !== undefined) {
    grace = pod.metadata.deletionGracePeriodSeconds;
  } else if (pod?.spec?.terminationGracePeriodSeconds !== undefined) {
    grace = pod.spec.terminationGracePeriodSeconds;
    const spec = pod.spec.containers?.find((c) => c.name === options.containerName);
    const probe =
      options.reason === "liveness"
        ? spec?.livenessProbe
        : options.reason === "startup"
          ? spec?.startupProbe
          : undefined;
    if (probe?.terminationGracePeriodSeconds !== undefined) grace = probe.terminationGracePeriodSeconds;
  }
  if (options.override !== undefined) grace = options.override;
  return Math.max(MINIMUM_GRACE_SECONDS, grace);
}

/** What killing needs. */
export interface KillDeps {
  readonly runtime: RuntimeService;
  readonly log: Logger;
  readonly call: CallOptions;
  /** Records Killing events on the pod's containers; none without. */
  readonly recorder?: PodEventRecorder;
}

/**
 * Stops one container with `graceSeconds` (CRI StopContainer: SIGTERM, then
 * SIGKILL). A vanished container is stopped enough. With the pod, a Killing
 * event says why: `message` (a probe failure, a changed spec) or "Stopping
 * container <name>".
 */
export async function killContainer(
  deps: KillDeps,
  container: Pick<RuntimeContainer, "id" | "name">,
  graceSeconds: number,
  message = "",
  pod?: Pod,
): Promise<void> {
  if (pod) {
    deps.recorder?.event(
      containerReference(pod, container.name),
      "Normal",
      "Killing",
      message || `Stopping container ${container.name}`,
    );
  }
  deps.log.info("killing container", {
    container: container.name,
    id: container.id,
    gracePeriod: graceSeconds,
    message,
  });
  try {
    await deps.runtime.stopContainer({ containerId: container.id, timeout: graceSeconds }, deps.call);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * Stops everything of the pod (killPodWithSyncResult): all containers that
 * may run, in parallel, each with `graceFor(container)`, then every sandbox
 * that is still ready. Throws the first failure once all have been tried.
 */
export async function killPod(
  deps: KillDeps,
  status: PodRuntimeStatus,
  graceFor: (c: RuntimeContainer) => number,
  pod?: Pod,
): Promise<void> {
  const live = status.containers.filter(
    (c) => c.state === "running" || c.state === "created" || c.state === "unknown",
  );
  const results = await Promise.allSettled(live.map((c) => killContainer(deps, c, graceFor(c), "", pod)));
  const sandboxes = await Promise.allSettled(
    status.sandboxes
      .filter((s) => s.ready)
      .map(async (s) => {
        try {
          await deps.runtime.stopPodSandbox({ podSandboxId: s.id }, deps.call);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }),
  );
  const failed = [...results, ...sandboxes].find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** Removes every sandbox of the pod with its containers (and their logs, for the runtime). */
export async function removePod(deps: KillDeps, status: PodRuntimeStatus): Promise<void> {
  for (const c of status.containers) {
    await deps.runtime.removeContainer({ containerId: c.id }, deps.call);
  }
  for (const s of status.sandboxes) {
    try {
      await deps.runtime.stopPodSandbox({ podSandboxId: s.id }, deps.call);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await deps.runtime.removePodSandbox({ podSandboxId: s.id }, deps.call);
  }
}

/**
 * Removes dead instances nobody needs (the container GC with one dead
 * container kept per container name): per name, the newest dead instance is
 * kept for `kubectl logs --previous` and the restart count; older ones go.
 * Non-latest sandboxes left without containers go too. Returns whether
 * anything was removed.
 */
export async function pruneDeadContainers(deps: KillDeps, status: PodRuntimeStatus): Promise<boolean> {
  const keptDead = new Set<string>();
  const doomed: RuntimeContainer[] = [];
  for (const c of status.containers) {
    if (c.state !== "exited") continue;
    if (keptDead.has(c.name)) doomed.push(c);
    else keptDead.add(c.name);
  }
  for (const c of doomed) await deps.runtime.removeContainer({ containerId: c.id }, deps.call);
  const gone = new Set(doomed.map((c) => c.id));
  const used = new Set(status.containers.filter((c) => !gone.has(c.id)).map((c) => c.sandboxId));
  let removed = doomed.length > 0;
  for (const s of status.sandboxes.slice(1)) {
    if (s.ready || used.has(s.id)) continue;
    await deps.runtime.removePodSandbox({ podSandboxId: s.id }, deps.call);
    removed = true;
  }
  return removed;
}
