import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { ConfigMap, Container, Pod } from "@ktl/api";
import {
  CriError,
  type CallOptions,
  type ImageService,
  type PodSandboxConfig,
  type RuntimeService,
} from "@ktl/cri";
import { containerMounts, VolumeError, type PodVolumes } from "../volumes/volumes.js";
import type { Backoff } from "./backoff.js";
import { hashContainer } from "./container-hash.js";
import { containerConfig } from "./container-config.js";
import type { StartFailure } from "./container-statuses.js";
import { ContainerConfigError, makeEnvironment } from "./env.js";
import { containerReference, type PodEventRecorder } from "./pod-events.js";
import { ensureImageExists, imageBackoffKey, ImagePullError, withDefaultTag } from "./image-puller.js";
import { latestContainer, type PodRuntimeStatus } from "./runtime-status.js";
import { goDuration } from "./timestamps.js";

/** What starting a container needs from the pod manager. */
export interface StartDeps {
  readonly runtime: RuntimeService;
  readonly images: ImageService;
  readonly crashBackoff: Backoff;
  readonly imageBackoff: Backoff;
  readonly allowedImage?: (image: string) => string | undefined;
  readonly getConfigMap: (namespace: string, name: string) => Promise<ConfigMap>;
  readonly nodeIp: string;
  readonly memoryCapacity: number;
  readonly allocatable: { readonly cpu: string; readonly memory: string };
  readonly now: () => number;
  readonly call: CallOptions;
  /** Records the kubelet's container events (Pulled, Created, Started, Failed, BackOff…); none without. */
  readonly recorder?: PodEventRecorder;
}

export interface StartRequest {
  readonly pod: Pod;
  readonly container: Container;
  readonly sandboxId: string;
  readonly sandboxConfig: PodSandboxConfig;
  readonly status: PodRuntimeStatus;
  readonly podIps: readonly string[];
  readonly volumes: PodVolumes;
}

/** A start that did not happen, and when it is worth trying again (for back-offs). */
export interface StartOutcome {
  readonly failure?: StartFailure;
  readonly retryAfterMs?: number;
}

/** The back-off key of a container: its pod and its spec, so a changed spec starts afresh (getStableKey). */
export function crashBackoffKey(pod: Pod, container: Container): string {
  return `${pod.metadata?.uid ?? ""}_${container.name ?? ""}_${hashContainer(container)}`;
}

/**
 * Starts one container instance (the kubelet's start + startContainer):
 * honours the crash-loop back-off, pulls the image, builds the config
 * (environment, mounts, resources) and creates then starts the container.
 * Failures come back as the container's waiting reason; only unexpected
 * errors (the runtime unreachable, the call aborted) are thrown.
 */
export async function startContainer(deps: StartDeps, req: StartRequest): Promise<StartOutcome> {
  const { pod, container } = req;
  const name = container.name ?? "";
  const latest = latestContainer(req.status, name);
  const record = (type: "Normal" | "Warning", reason: string, message: string): void =>
    deps.recorder?.event(containerReference(pod, name), type, reason, message);

  const lastExit = req.status.containers.find((c) => c.name === name && c.state === "exited");
  if (lastExit) {
    const key = crashBackoffKey(pod, container);
    if (deps.crashBackoff.isInBackOffSince(key, lastExit.finishedAt)) {
      const meta = pod.metadata ?? {};
      const delay = goDuration(deps.crashBackoff.get(key));
      record(
        "Warning",
        "BackOff",
        `Back-off restarting failed container ${name} in pod ${meta.name ?? ""}_${meta.namespace ?? ""}(${meta.uid ?? ""})`,
      );
      return {
        failure: {
          reason: "CrashLoopBackOff",
          message: `back-off ${delay} restarting failed container=${name} pod=${meta.name ?? ""}_${meta.namespace ?? ""}(${meta.uid ?? ""})`,
        },
        retryAfterMs: deps.crashBackoff.remaining(key, lastExit.finishedAt),
      };
    }
    deps.crashBackoff.next(key, lastExit.finishedAt);
  }

  let imageRef: string;
  try {
    imageRef = await ensureImageExists(
      {
        images: deps.images,
        backoff: deps.imageBackoff,
        allowedImage: deps.allowedImage,
        now: deps.now,
        recorder: deps.recorder,
      },
      { pod, container, sandboxConfig: req.sandboxConfig },
      deps.call,
    );
  } catch (err) {
    if (!(err instanceof ImagePullError)) throw err;
    const failure = { reason: err.reason, message: err.message };
    record("Warning", "Failed", `Error: ${err.reason}`);
    if (err.reason === "ImagePullBackOff")
      return { failure, retryAfterMs: imageRetryAfter(deps, pod, container) };
    if (err.reason !== "ErrImagePull") return { failure };
    // Look again well before the back-off ends, so the pod shows ImagePullBackOff
    // between attempts as it does in Kubernetes, and pull again once it ends.
    const remaining = imageRetryAfter(deps, pod, container);
    return { failure, retryAfterMs: Math.min(1000, Math.max(1, Math.floor(remaining / 2))) };
  }

  const restartCount = latest ? latest.restartCount + 1 : await restartCountFromLogs(req.sandboxConfig, name);
  let config;
  try {
    const env = await makeEnvironment({
      pod,
      container,
      podIps: req.podIps,
      nodeIp: deps.nodeIp,
      getConfigMap: deps.getConfigMap,
      allocatable: deps.allocatable,
    });
    const mounts = await containerMounts(container, req.volumes);
    config = containerConfig({
      pod,
      container,
      restartCount,
      imageRef,
      env,
      mounts,
      memoryCapacity: deps.memoryCapacity,
    });
  } catch (err) {
    if (err instanceof ContainerConfigError || err instanceof VolumeError) {
      record("Warning", "Failed", `Error: ${err.message}`);
      return { failure: { reason: "CreateContainerConfigError", message: err.message } };
    }
    throw err;
  }

  let containerId: string;
  try {
    const created = await deps.runtime.createContainer(
      { podSandboxId: req.sandboxId, config, sandboxConfig: req.sandboxConfig },
      deps.call,
    );
    containerId = created.containerId ?? "";
  } catch (err) {
    if (deps.call.signal?.aborted) throw err;
    record("Warning", "Failed", `Error: ${criDetails(err)}`);
    return { failure: { reason: "CreateContainerError", message: criDetails(err) } };
  }
  record("Normal", "Created", `Created container ${name}`);
  try {
    await deps.runtime.startContainer({ containerId }, deps.call);
  } catch (err) {
    if (deps.call.signal?.aborted) throw err;
    // The next attempt creates a new instance: this one would only linger as CREATED.
    await deps.runtime.removeContainer({ containerId }, deps.call).catch(() => undefined);
    record("Warning", "Failed", `Error: ${criDetails(err)}`);
    return { failure: { reason: "RunContainerError", message: criDetails(err) } };
  }
  record("Normal", "Started", `Started container ${name}`);
  return {};
}

function imageRetryAfter(deps: StartDeps, pod: Pod, container: Container): number {
  const key = imageBackoffKey(pod, withDefaultTag(container.image ?? "") ?? "");
  const since = deps.imageBackoff.lastUpdate(key);
  return since === undefined ? 0 : deps.imageBackoff.remaining(key, since);
}

function criDetails(err: unknown): string {
  if (err instanceof CriError) return err.details;
  return err instanceof Error ? err.message : String(err);
}

/**
 * When the runtime has no instance of the container (say, after a node
 * reboot wiped it), the next restart count comes from the log files already
 * there, so 0.log is not overwritten (calcRestartCountByLogDir).
 */
async function restartCountFromLogs(sandbox: PodSandboxConfig, name: string): Promise<number> {
  if (!sandbox.logDirectory) return 0;
  try {
    let max = -1;
    for (const file of await readdir(join(sandbox.logDirectory, name))) {
      const m = /^(\d+)\.log$/.exec(file);
      if (m) max = Math.max(max, Number(m[1]));
    }
    return max + 1;
  } catch {
    return 0;
  }
}
