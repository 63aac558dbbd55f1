/** The fake runtime's objects, and the CRI shapes made from them. */
import { randomBytes } from "node:crypto";
import {
  CriCode,
  CriError,
  type Container as CriContainer,
  type ContainerConfig,
  type ContainerState,
  type ContainerStatus as CriContainerStatus,
  type PodSandbox,
  type PodSandboxConfig,
  type PodSandboxState,
} from "@ktl/cri";
import type { FakeBehaviour } from "./behaviour.js";
import type { FakeImage } from "./fake-images.js";

export interface Sandbox {
  readonly id: string;
  readonly config: PodSandboxConfig;
  readonly createdAt: number;
  readonly hostNetwork: boolean;
  state: PodSandboxState;
  ip: string;
  /** The list entry, frozen and shared until the sandbox changes (lists are the relist's hot path). */
  listed?: PodSandbox;
}

export interface Box {
  readonly id: string;
  readonly sandboxId: string;
  readonly config: ContainerConfig;
  readonly image: FakeImage;
  readonly behaviour: FakeBehaviour;
  readonly logPath: string;
  readonly createdAt: number;
  state: ContainerState;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  timer?: NodeJS.Timeout;
  /** The list entry, frozen and shared until the container changes. */
  listed?: CriContainer;
}

export const nowNs = (): number => Date.now() * 1e6;

/** The ContainerStatus of a container, with proto3's zero values filled in. */
export function containerStatusOf(box: Box): CriContainerStatus {
  return {
    id: box.id,
    metadata: { name: box.config.metadata?.name ?? "", attempt: box.config.metadata?.attempt ?? 0 },
    state: box.state,
    createdAt: box.createdAt,
    startedAt: box.startedAt,
    finishedAt: box.finishedAt,
    exitCode: box.exitCode,
    image: {
      image: box.image.repoTag,
      annotations: {},
      userSpecifiedImage: box.config.image?.userSpecifiedImage ?? "",
    },
    imageRef: box.image.repoDigest,
    reason: box.reason,
    message: "",
    labels: { ...box.config.labels },
    annotations: { ...box.config.annotations },
    mounts: (box.config.mounts ?? []).map((m) => ({ ...m })),
    logPath: box.logPath,
    imageId: box.image.id,
  };
}

export function isActive(box: Box): boolean {
  return box.state === "CONTAINER_RUNNING" || box.state === "CONTAINER_CREATED";
}

export function containerSummary(box: Box): CriContainer {
  return {
    id: box.id,
    podSandboxId: box.sandboxId,
    metadata: { name: box.config.metadata?.name ?? "", attempt: box.config.metadata?.attempt ?? 0 },
    image: {
      image: box.image.repoTag,
      annotations: {},
      userSpecifiedImage: box.config.image?.userSpecifiedImage ?? "",
    },
    imageRef: box.image.repoDigest,
    state: box.state,
    createdAt: box.createdAt,
    labels: { ...box.config.labels },
    annotations: { ...box.config.annotations },
    imageId: box.image.id,
  };
}

/** Frozen all the way down: a caller that tried to change a shared list entry fails loudly instead of corrupting it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function sandboxSummary(s: Sandbox): PodSandbox {
  return {
    id: s.id,
    metadata: {
      name: s.config.metadata?.name ?? "",
      uid: s.config.metadata?.uid ?? "",
      namespace: s.config.metadata?.namespace ?? "",
      attempt: s.config.metadata?.attempt ?? 0,
    },
    state: s.state,
    createdAt: s.createdAt,
    labels: { ...s.config.labels },
    annotations: { ...s.config.annotations },
    runtimeHandler: "",
  };
}

export function matches(
  labels: Record<string, string> | undefined,
  selector: Record<string, string> | undefined,
): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export function newId(): string {
  return randomBytes(32).toString("hex");
}

export function fail<T>(method: string, code: number, message: string): Promise<T> {
  return Promise.reject(new CriError({ code, message, method }));
}

export function notFound<T>(method: string, what: string, id: string | undefined): Promise<T> {
  return fail(
    method,
    CriCode.NOT_FOUND,
    `an error occurred when try to find ${what} "${id ?? ""}": not found`,
  );
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
