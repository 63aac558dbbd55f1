import { cpus, totalmem } from "node:os";
import { findResource, type Pod, type PodStatus, type ResourceInfo } from "@ktl/api";
import type { ApiClient } from "@ktl/client";
import type { ImageService, RuntimeService } from "@ktl/cri";
import { SharedInformer, finalState, listerWatcherFor, type DeepReadonly } from "@ktl/informers";
import type { Logger } from "@ktl/service";
import type { LogLocator } from "../logs/log-server.js";
import { Backoff } from "./backoff.js";
import { configMapGetter } from "./config-maps.js";
import { makeLogLocator } from "./log-locator.js";
import type { PodIdentity } from "./labels.js";
import type { PodEventRecorder } from "./pod-events.js";
import { Pleg, type RelistedContainer } from "./pleg.js";
import { newPodRecord, type PodRecord } from "./pod-record.js";
import { syncPod, type SyncDeps } from "./pod-sync.js";
import { PodWorkers, type WorkResult } from "./pod-workers.js";
import type { ProbeResults } from "./probe-results.js";
import { StatusWriter } from "./status-writer.js";

const PODS = findResource("", "pods") as ResourceInfo;
/** Finished pods are remembered this long, so late events about them start nothing. */
const FINISHED_MEMORY_MS = 10 * 60_000;
/** startPodManager waits at most this long for the first sync of the pods found running. */
const ADOPTION_WAIT_MS = 10_000;

/** The API calls the pod manager makes. */
export type PodManagerClient = Pick<ApiClient, "list" | "watch" | "get" | "updateStatus" | "delete">;

export interface PodManagerOptions {
  readonly client: PodManagerClient;
  readonly nodeName: string;
  readonly nodeIp: string;
  readonly runtime: RuntimeService;
  readonly images: ImageService;
  readonly probes: ProbeResults;
  /** Pod logs root (Kubernetes' /var/log/pods layout: <root>/<ns>_<pod>_<uid>/<container>/<restartCount>.log). */
  readonly podLogsDir: string;
  /** Pod volumes root (<root>/<uid>/volumes/...). */
  readonly podsDir: string;
  /** The node's cgroup, e.g. "/ktl/<node>": each pod's sandbox goes to <cgroupParent>/pod<uid>. */
  readonly cgroupParent: string;
  /** Restart back-off per container; Kubernetes' is 10 s doubling to 5 min. */
  readonly crashLoopBackOff: { readonly initialMs: number; readonly maxMs: number };
  /** Pull back-off per pod and image. */
  readonly imagePullBackOff: { readonly initialMs: number; readonly maxMs: number };
  /** Returns an error message to refuse a pull (the container gets ErrImagePull with it). */
  readonly allowedImage?: (image: string) => string | undefined;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Runtime relist period (PLEG); default 1000 ms. */
  readonly relistPeriodMs?: number;
  /** Every pod is synced again this often even without events; default 60 s. */
  readonly resyncMs?: number;
  /** How long a ConfigMap read for env or volumes is reused; default 10 s. */
  readonly configMapTtlMs?: number;
  /** The node's memory in bytes (OOM scores); default the host's. */
  readonly memoryCapacityBytes?: number;
  /** What the downward API reports for unset limits; default the host's CPUs and memory. */
  readonly allocatable?: { readonly cpu: string; readonly memory: string };
  /**
   * Records the kubelet's pod events (Pulling, Pulled, Created, Started,
   * Killing, BackOff, Failed) about the pods' containers; none without.
   */
  readonly recorder?: PodEventRecorder;
}

/** A pod the runtime runs something for (from the last relist). */
export interface RunningPod {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly containers: readonly RelistedContainer[];
}

/**
 * The kubelet's pod lifecycle for one node. Contract:
 * - only pods bound to the node are watched; each pod is synced by its own
 *   worker (serialized per pod uid, pods in parallel) on pod events, runtime
 *   changes (relisted every second), probe changes, back-off expiry and a
 *   periodic resync;
 * - stopping it leaves containers running: a new manager adopts them.
 */
export interface PodManager {
  /** Finds a container's log for the kubelet's /containerLogs endpoint. */
  readonly locateLog: LogLocator;
  /** Pods bound to this node that the manager knows from the API. */
  podCount(): number;
  /** Pods with a ready sandbox or a running container, as of the last relist. */
  runningPods(): RunningPod[];
  /** The status last generated for a pod (by uid), if any. */
  statusOf(uid: string): PodStatus | undefined;
  /** Stops watching, relisting and syncing (in-flight syncs finish or are aborted); containers keep running. */
  stop(): Promise<void>;
}

/**
 * Starts the pod manager. Resolves once its informer has synced, the runtime
 * has been listed, and the pods found running have been synced once (their
 * containers adopted, not restarted), or after 10 s of that. A runtime that
 * cannot be reached yet does not fail the start: pods wait (and their syncs
 * retry) until it answers.
 */
export async function startPodManager(options: PodManagerOptions): Promise<PodManager> {
  const abort = new AbortController();
  const signal = AbortSignal.any([options.signal, abort.signal]);
  const log = options.log;

  const records = new Map<string, PodRecord>();
  const finished = new Map<string, number>();
  const crashBackoff = new Backoff(options.crashLoopBackOff.initialMs, options.crashLoopBackOff.maxMs);
  const imageBackoff = new Backoff(options.imagePullBackOff.initialMs, options.imagePullBackOff.maxMs);
  const statusWriter = new StatusWriter(options.client);
  const deps: SyncDeps = {
    runtime: options.runtime,
    images: options.images,
    probes: options.probes,
    statusWriter,
    client: options.client,
    crashBackoff,
    imageBackoff,
    allowedImage: options.allowedImage,
    getConfigMap: configMapGetter(options.client, options.configMapTtlMs ?? 10_000),
    nodeIp: options.nodeIp,
    memoryCapacity: options.memoryCapacityBytes ?? totalmem(),
    allocatable: options.allocatable ?? { cpu: String(cpus().length), memory: String(totalmem()) },
    now: Date.now,
    call: { signal },
    podLogsDir: options.podLogsDir,
    podsDir: options.podsDir,
    cgroupParent: options.cgroupParent,
    runtimeName: "",
    log,
    recorder: options.recorder,
  };
  // The containerID scheme ("containerd://"); asked of the runtime once it answers.
  let runtimeName: string | undefined;
  const ensureRuntimeName = async (): Promise<string> => {
    runtimeName ??= (await options.runtime.version({ version: "v1" }, { signal })).runtimeName || "cri";
    return runtimeName;
  };

  // Which pods were synced since the start, until the adopted ones all were.
  const adoption = { syncedOnce: new Set<string>(), hooks: new Map<string, () => void>(), active: true };
  const workers = new PodWorkers({
    log,
    resyncMs: options.resyncMs ?? 60_000,
    sync: async (uid): Promise<WorkResult> => {
      const record = records.get(uid);
      if (!record) return { finished: true };
      try {
        const result = await syncPod({ ...deps, runtimeName: await ensureRuntimeName() }, record);
        if (result.finished) forget(uid);
        return result;
      } finally {
        if (adoption.active) {
          adoption.syncedOnce.add(uid);
          adoption.hooks.get(uid)?.();
        }
      }
    },
  });
  const forget = (uid: string): void => {
    records.delete(uid);
    crashBackoff.forgetPrefix(`${uid}_`);
    imageBackoff.forgetPrefix(`${uid}_`);
    const now = Date.now();
    finished.set(uid, now);
    for (const [k, at] of finished) if (now - at > FINISHED_MEMORY_MS) finished.delete(k);
  };

  const informer = new SharedInformer<Pod>(
    listerWatcherFor<Pod>(options.client, PODS, { fieldSelector: `spec.nodeName=${options.nodeName}` }),
    { logger: log, name: `pods (spec.nodeName=${options.nodeName})` },
  );
  const upsert = (pod: DeepReadonly<Pod>): void => {
    const uid = pod.metadata?.uid;
    if (!uid || finished.has(uid)) return;
    let record = records.get(uid);
    if (!record) {
      record = newPodRecord(uid, pod.metadata?.namespace ?? "", pod.metadata?.name ?? "");
      records.set(uid, record);
    }
    const grace = pod.metadata?.deletionGracePeriodSeconds;
    if (record.grace !== undefined && grace !== undefined && grace < record.grace) record.interruptKill?.();
    record.pod = pod;
    workers.enqueue(uid);
  };
  informer.addEventHandler({
    onAdd: upsert,
    onUpdate: (_old, pod) => upsert(pod),
    onDelete: (obj) => {
      const uid = finalState(obj).metadata?.uid ?? "";
      const record = records.get(uid);
      if (!record) return;
      record.pod = undefined;
      record.interruptKill?.();
      workers.enqueue(uid);
    },
  });
  const informerDone = informer.start(signal);
  if (!(await informer.waitForSync(signal))) {
    await informerDone;
    throw new Error("pod manager stopped before its pod informer synced");
  }

  const onRuntimeChange = (identity: PodIdentity): void => {
    if (finished.has(identity.uid)) {
      // What a finished pod left behind is gone: that is its own removal being noticed.
      if (!pleg.snapshot().has(identity.uid)) return;
      finished.delete(identity.uid);
    }
    let record = records.get(identity.uid);
    if (!record) {
      record = newPodRecord(identity.uid, identity.namespace, identity.name);
      const known = informer.store.get(`${identity.namespace}/${identity.name}`);
      if (known?.metadata?.uid === identity.uid) record.pod = known;
      records.set(identity.uid, record);
    }
    workers.enqueue(identity.uid);
  };
  const pleg = new Pleg({
    runtime: options.runtime,
    nodeName: options.nodeName,
    periodMs: options.relistPeriodMs ?? 1000,
    onPodChange: onRuntimeChange,
    log,
  });
  const adopted = new Set<string>();
  try {
    await pleg.relist(signal);
    for (const uid of pleg.snapshot().keys()) adopted.add(uid);
  } catch (err) {
    // The runtime may come up later: the relist loop finds its pods then.
    log.warn("cannot list the container runtime yet", { err: (err as Error).message });
  }
  const plegDone = pleg.run(signal);
  options.probes.onChange((uid) => {
    if (records.has(uid)) workers.enqueue(uid);
  });
  await waitForFirstSyncs(adopted, adoption, signal);
  adoption.active = false;
  adoption.syncedOnce.clear();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      abort.abort();
      await Promise.all([informerDone, plegDone, workers.stop()]);
    })();
    return stopping;
  };
  options.signal.addEventListener("abort", () => void stop(), { once: true });

  return {
    locateLog: makeLogLocator({
      runtime: options.runtime,
      podLogsDir: options.podLogsDir,
      findPod: (namespace, name) => {
        const pod = informer.store.get(`${namespace}/${name}`);
        return pod ? (structuredClone(pod) as Pod) : undefined;
      },
      statusOf: (uid) => records.get(uid)?.status,
    }),
    podCount: () => [...records.values()].filter((r) => r.pod !== undefined).length,
    runningPods: () =>
      [...pleg.snapshot().values()]
        .filter(
          (p) =>
            p.sandboxes.some((s) => s.ready) || p.containers.some((c) => c.state === "CONTAINER_RUNNING"),
        )
        .map((p) => ({ uid: p.uid, namespace: p.namespace, name: p.name, containers: p.containers })),
    statusOf: (uid) => records.get(uid)?.status,
    stop,
  };
}

/** Resolves when every uid in `uids` has been synced once, or after ADOPTION_WAIT_MS, or on abort. */
function waitForFirstSyncs(
  uids: ReadonlySet<string>,
  adoption: { readonly syncedOnce: ReadonlySet<string>; readonly hooks: Map<string, () => void> },
  signal: AbortSignal,
): Promise<void> {
  const pending = [...uids].filter((uid) => !adoption.syncedOnce.has(uid));
  const hooks = adoption.hooks;
  if (pending.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let left = pending.length;
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      hooks.clear();
      resolve();
    };
    const timer = setTimeout(done, ADOPTION_WAIT_MS);
    timer.unref();
    signal.addEventListener("abort", done, { once: true });
    for (const uid of pending) {
      hooks.set(uid, () => {
        hooks.delete(uid);
        if (--left === 0) done();
      });
    }
  });
}
