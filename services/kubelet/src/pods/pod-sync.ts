import { mkdir, rm } from "node:fs/promises";
import { findResource, type Pod, type ResourceInfo } from "@ktl/api";
import { isConflict, isNotFound } from "@ktl/apimachinery";
import type { ApiClient } from "@ktl/client";
import type { Logger } from "@ktl/service";
import { setUpVolumes, tearDownVolumes, VolumeError, type PodVolumes } from "../volumes/volumes.js";
import { computePodActions, type PodActions } from "./actions.js";
import { generatePodStatus } from "./api-status.js";
import {
  containerGracePeriod,
  killContainer,
  killPod,
  pruneDeadContainers,
  removePod,
  type KillDeps,
} from "./kill.js";
import { isTerminalPhase } from "./phase.js";
import type { PodRecord } from "./pod-record.js";
import type { ProbeResults } from "./probe-results.js";
import { getPodRuntimeStatus, type PodRuntimeStatus } from "./runtime-status.js";
import { podLogDir, sandboxConfig } from "./sandbox-config.js";
import { startContainer, type StartDeps } from "./start-container.js";
import type { StatusWriter } from "./status-writer.js";

const PODS = findResource("", "pods") as ResourceInfo;
/** How soon a sync whose volumes or sandbox could not be set up tries again. */
const SETUP_RETRY_MS = 2000;
/** A pod gone from the API is killed almost at once (the kubelet's override for orphans). */
const ORPHAN_GRACE_SECONDS = 1;

/** Everything a pod sync uses. */
export interface SyncDeps extends StartDeps, KillDeps {
  readonly probes: ProbeResults;
  readonly statusWriter: StatusWriter;
  readonly client: Pick<ApiClient, "delete">;
  readonly podLogsDir: string;
  readonly podsDir: string;
  readonly cgroupParent: string;
  readonly runtimeName: string;
  readonly log: Logger;
}

export interface SyncResult {
  /** Sync again after this long (a back-off ends, a setup step is retried). */
  readonly requeueAfterMs?: number;
  /** The pod is gone from the node and its record can be dropped. */
  readonly finished?: boolean;
}

/**
 * One level-based sync of a pod (the pod worker's SyncPod /
 * SyncTerminatingPod / SyncTerminatedPod): reads what runs, decides, acts,
 * and reports the resulting status. Safe to run again at any point; syncs of
 * one pod must not overlap (the pod workers serialize them).
 */
export async function syncPod(deps: SyncDeps, record: PodRecord): Promise<SyncResult> {
  const status = await getPodRuntimeStatus(deps.runtime, record.uid, deps.call);
  if (!record.pod) return cleanUpOrphan(deps, record, status);
  const pod = structuredClone(record.pod) as Pod;
  if (pod.metadata?.deletionTimestamp) return terminate(deps, record, pod, status);
  if (isTerminalPhase(pod.status?.phase) || isTerminalPhase(record.status?.phase)) {
    return syncTerminal(deps, record, pod, status);
  }
  const deadline = activeDeadline(pod, record);
  if (deadline !== undefined && deps.now() >= deadline) return failPastDeadline(deps, record, pod, status);
  const result = await syncActive(deps, record, pod, status);
  // The first sync sets the start time the deadline counts from.
  const next = deadline ?? activeDeadline(pod, record);
  if (next === undefined) return result;
  const untilDeadline = Math.max(1, next - deps.now());
  return { ...result, requeueAfterMs: Math.min(result.requeueAfterMs ?? Infinity, untilDeadline) };
}

/** When spec.activeDeadlineSeconds runs out, counted from the pod's start time on this node. */
function activeDeadline(pod: Pod, record: PodRecord): number | undefined {
  const seconds = pod.spec?.activeDeadlineSeconds;
  const start = record.status?.startTime ?? pod.status?.startTime;
  if (seconds === undefined || !start) return undefined;
  return Date.parse(start) + seconds * 1000;
}

/** The kubelet fails a pod active longer than its activeDeadlineSeconds (activeDeadlineHandler): everything is stopped. */
async function failPastDeadline(
  deps: SyncDeps,
  record: PodRecord,
  pod: Pod,
  initial: PodRuntimeStatus,
): Promise<SyncResult> {
  let status = initial;
  if (hasLive(status)) {
    deps.log.info("pod is past its active deadline", { pod: podRef(pod) });
    await killPod(deps, status, (c) => containerGracePeriod(pod, { containerName: c.name }), pod);
    status = await getPodRuntimeStatus(deps.runtime, record.uid, deps.call);
  }
  await report(deps, record, pod, status, true, {
    reason: "DeadlineExceeded",
    message: "Pod was active on the node longer than the specified deadline",
  });
  return {};
}

async function syncActive(
  deps: SyncDeps,
  record: PodRecord,
  pod: Pod,
  initial: PodRuntimeStatus,
): Promise<SyncResult> {
  let status = initial;
  const actions = computePodActions(pod, status, deps.probes);
  let changed = false;
  if (actions.killPod) {
    changed = hasLive(status);
    await killPod(deps, status, (c) => containerGracePeriod(pod, { containerName: c.name }), pod);
    if (actions.createSandbox) changed = (await purgeInitContainers(deps, pod, status)) || changed;
  } else {
    for (const k of actions.containersToKill) {
      const grace = containerGracePeriod(pod, { reason: k.reason, containerName: k.name });
      await killContainer(deps, k, grace, k.message, pod);
      changed = true;
    }
  }

  let requeueAfterMs: number | undefined;
  if (
    actions.createSandbox ||
    actions.nextInitContainer !== undefined ||
    actions.containersToStart.length > 0
  ) {
    const started = await startContainers(deps, record, pod, status, actions);
    changed = changed || started.changed;
    requeueAfterMs = started.requeueAfterMs;
  }
  if (changed) status = await getPodRuntimeStatus(deps.runtime, record.uid, deps.call);
  if (await pruneDeadContainers(deps, status))
    status = await getPodRuntimeStatus(deps.runtime, record.uid, deps.call);
  await report(deps, record, pod, status, false);
  return { requeueAfterMs };
}

/** Sets up volumes and the sandbox as needed, then starts the next init container or the app containers. */
async function startContainers(
  deps: SyncDeps,
  record: PodRecord,
  pod: Pod,
  status: PodRuntimeStatus,
  actions: PodActions,
): Promise<{ changed: boolean; requeueAfterMs?: number }> {
  let volumes: PodVolumes;
  try {
    volumes = await setUpVolumes({ pod, podsDir: deps.podsDir, getConfigMap: deps.getConfigMap });
  } catch (err) {
    if (!(err instanceof VolumeError)) throw err;
    deps.log.warn("unable to mount volumes", { pod: podRef(pod), err: err.message });
    return { changed: false, requeueAfterMs: SETUP_RETRY_MS };
  }
  const config = sandboxConfig(pod, {
    attempt: actions.attempt,
    podLogsDir: deps.podLogsDir,
    cgroupParent: deps.cgroupParent,
  });
  let sandboxId = actions.sandboxId;
  let podIps = status.ips;
  let changed = false;
  if (actions.createSandbox) {
    await mkdir(config.logDirectory ?? deps.podLogsDir, { recursive: true, mode: 0o755 });
    try {
      sandboxId = (await deps.runtime.runPodSandbox({ config }, deps.call)).podSandboxId ?? "";
      const { status: created } = await deps.runtime.podSandboxStatus({ podSandboxId: sandboxId }, deps.call);
      const net = created?.network;
      podIps = net?.ip ? [net.ip, ...(net.additionalIps ?? []).map((p) => p.ip ?? "").filter(Boolean)] : [];
      changed = true;
    } catch (err) {
      if (deps.call.signal?.aborted) throw err;
      deps.log.warn("failed to create pod sandbox", { pod: podRef(pod), err: (err as Error).message });
      return { changed, requeueAfterMs: SETUP_RETRY_MS };
    }
  }
  if (!sandboxId) return { changed, requeueAfterMs: SETUP_RETRY_MS };

  const toStart =
    actions.nextInitContainer !== undefined
      ? [pod.spec?.initContainers?.[actions.nextInitContainer]]
      : actions.containersToStart.map((i) => pod.spec?.containers?.[i]);
  let requeueAfterMs: number | undefined;
  for (const container of toStart) {
    if (!container) continue;
    const name = container.name ?? "";
    const outcome = await startContainer(deps, {
      pod,
      container,
      sandboxId,
      sandboxConfig: config,
      status,
      podIps,
      volumes,
    });
    if (outcome.failure) {
      record.failures.set(name, outcome.failure);
      if (outcome.failure.reason !== "CrashLoopBackOff") {
        deps.log.warn("container start failed", { pod: podRef(pod), container: name, ...outcome.failure });
      }
      if (outcome.retryAfterMs !== undefined) {
        requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, Math.max(outcome.retryAfterMs, 1));
      }
      // The kubelet changes nothing until the failure clears; a config error is retried soon.
      if (
        outcome.failure.reason.startsWith("CreateContainer") ||
        outcome.failure.reason === "RunContainerError"
      ) {
        requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, SETUP_RETRY_MS);
      }
    } else {
      record.failures.delete(name);
      changed = true;
    }
  }
  return { changed, requeueAfterMs };
}

/** A pod in a terminal phase: nothing runs again; the sandbox is stopped, the exited containers kept for their logs. */
async function syncTerminal(
  deps: SyncDeps,
  record: PodRecord,
  pod: Pod,
  initial: PodRuntimeStatus,
): Promise<SyncResult> {
  let status = initial;
  if (hasLive(status)) {
    await killPod(deps, status, (c) => containerGracePeriod(pod, { containerName: c.name }), pod);
    status = await getPodRuntimeStatus(deps.runtime, record.uid, deps.call);
  }
  await report(deps, record, pod, status, true);
  return {};
}

/**
 * A pod being deleted: its containers are stopped with the grace period
 * (the shorter of the deletion's and the spec's, never growing between
 * syncs), its final status is written, the sandbox, volumes and logs are
 * removed, and the pod object is deleted for good (grace 0, uid precondition).
 */
async function terminate(
  deps: SyncDeps,
  record: PodRecord,
  pod: Pod,
  initial: PodRuntimeStatus,
): Promise<SyncResult> {
  let status = initial;
  // As the kubelet: the deletion's grace period when set (it may be longer than
  // the spec's, e.g. `kubectl delete --grace-period=60`), else the spec's; a
  // termination already under way only ever gets shorter.
  const grace = Math.min(
    record.grace ?? Infinity,
    pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? Infinity,
  );
  record.grace = Number.isFinite(grace) ? grace : 30;
  if (hasLive(status)) {
    deps.log.info("killing pod", { pod: podRef(pod), gracePeriod: record.grace });
    // A shorter grace period (or a force delete) arriving meanwhile interrupts
    // this kill; the next sync stops the containers again, sooner.
    const interrupt = new AbortController();
    record.interruptKill = () => interrupt.abort();
    const signals = [interrupt.signal, ...(deps.call.signal ? [deps.call.signal] : [])];
    try {
      const call = { ...deps.call, signal: AbortSignal.any(signals) };
      await killPod(
        { ...deps, call },
        status,
        () => containerGracePeriod(pod, { override: record.grace }),
        pod,
      );
    } catch (err) {
      if (interrupt.signal.aborted && !deps.call.signal?.aborted) return { requeueAfterMs: 0 };
      throw err;
    } finally {
      record.interruptKill = undefined;
    }
    status = await getPodRuntimeStatus(deps.runtime, record.uid, deps.call);
  }
  const exists = await report(deps, record, pod, status, true);
  deps.probes.removePod(record.uid);
  await removePod(deps, status);
  await removePodFiles(deps, record);
  if (exists) {
    const meta = pod.metadata ?? {};
    try {
      await deps.client.delete(PODS, meta.namespace, meta.name ?? "", {
        gracePeriodSeconds: 0,
        preconditions: { uid: meta.uid },
      });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
  deps.log.info("pod terminated", { pod: podRef(pod) });
  return { finished: true };
}

/** Whatever still runs for a pod that is no longer in the API (force-deleted, or deleted while the kubelet was down) is killed and removed. */
async function cleanUpOrphan(
  deps: SyncDeps,
  record: PodRecord,
  status: PodRuntimeStatus,
): Promise<SyncResult> {
  if (status.containers.length > 0 || status.sandboxes.length > 0) {
    deps.log.info("killing pod that is no longer in the API", {
      pod: `${record.namespace}/${record.name}`,
      uid: record.uid,
    });
    await killPod(deps, status, (c) =>
      containerGracePeriod(undefined, { override: ORPHAN_GRACE_SECONDS, fallback: c.terminationGrace }),
    );
    await removePod(deps, status);
  }
  deps.probes.removePod(record.uid);
  await removePodFiles(deps, record);
  return { finished: true };
}

/** Tells the prober what runs (so it stops probing what no longer does), then writes the status. Returns false when the pod is gone from the API. */
async function report(
  deps: SyncDeps,
  record: PodRecord,
  pod: Pod,
  status: PodRuntimeStatus,
  podIsTerminal: boolean,
  evicted?: { reason: string; message: string },
): Promise<boolean> {
  const podIp = status.ips[0] ?? (pod.spec?.hostNetwork === true ? deps.nodeIp : undefined);
  const seen = new Set<string>();
  const running = [];
  for (const c of status.containers) {
    if (seen.has(c.name)) continue;
    seen.add(c.name);
    if (c.state === "running") running.push({ name: c.name, id: c.id, startedAt: c.startedAt });
  }
  deps.probes.updatePod(pod, running, podIp);
  const apiStatus = generatePodStatus({
    pod,
    runtime: status,
    oldStatus: record.status ?? pod.status ?? {},
    failures: record.failures,
    podIsTerminal,
    runtimeName: deps.runtimeName,
    probes: deps.probes,
    nodeIp: deps.nodeIp,
    now: deps.now(),
    evicted,
  });
  return deps.statusWriter.write(record, pod, apiStatus);
}

/** Init containers are run again from the first one in a new sandbox: their old instances go. */
async function purgeInitContainers(deps: SyncDeps, pod: Pod, status: PodRuntimeStatus): Promise<boolean> {
  const names = new Set((pod.spec?.initContainers ?? []).map((c) => c.name));
  const doomed = status.containers.filter((c) => names.has(c.name));
  for (const c of doomed) await deps.runtime.removeContainer({ containerId: c.id }, deps.call);
  return doomed.length > 0;
}

async function removePodFiles(deps: SyncDeps, record: PodRecord): Promise<void> {
  await tearDownVolumes(deps.podsDir, record.uid);
  if (record.name) {
    const dir = podLogDir(deps.podLogsDir, {
      namespace: record.namespace,
      name: record.name,
      uid: record.uid,
    });
    await rm(dir, { recursive: true, force: true });
  }
}

function hasLive(status: PodRuntimeStatus): boolean {
  return status.sandboxes.some((s) => s.ready) || status.containers.some((c) => c.state !== "exited");
}

function podRef(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
}
