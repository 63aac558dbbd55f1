import { appendFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  CriCode,
  CriError,
  type CallOptions,
  type Container as CriContainer,
  type ContainerStatusRequest,
  type ContainerStatusResponse,
  type CreateContainerRequest,
  type CreateContainerResponse,
  type ExecSyncRequest,
  type ExecSyncResponse,
  type ListContainersRequest,
  type ListContainersResponse,
  type ListPodSandboxRequest,
  type ListPodSandboxResponse,
  type PodSandbox,
  type PodSandboxStatusRequest,
  type PodSandboxStatusResponse,
  type RemoveContainerRequest,
  type RemovePodSandboxRequest,
  type RunPodSandboxRequest,
  type RunPodSandboxResponse,
  type RuntimeService,
  type StartContainerRequest,
  type StatusResponse,
  type StopContainerRequest,
  type StopPodSandboxRequest,
  type VersionResponse,
} from "@ktl/cri";
import { formatCriLogLine } from "../../logs/cri-log.js";
import { behaviourOf, type FakeBehaviour } from "./behaviour.js";
import { FakeImageService } from "./fake-images.js";
import {
  containerStatusOf,
  containerSummary,
  deepFreeze,
  fail,
  isActive,
  matches,
  newId,
  notFound,
  nowNs,
  sandboxSummary,
  sleep,
  type Box,
  type Sandbox,
} from "./fake-objects.js";
import { IpPool } from "./ip-pool.js";

export interface FakeRuntimeOptions {
  /** Where sandbox IPs come from, e.g. the node's "10.244.3.0/24"; default "10.88.0.0/24". */
  readonly podCidr?: string;
  /** StartContainer takes this long (the container is CREATED meanwhile); default 0. */
  readonly startDelayMs?: number;
  /** How long `fake/exit:<code>` and `fake/oom` containers run when the name gives no time; default 100. */
  readonly defaultRunMs?: number;
  /** Write a CRI log line when a container starts and exits (off by default: hollow nodes write no files). */
  readonly writeLogs?: boolean;
  /** The image store; one is made when omitted. */
  readonly images?: FakeImageService;
  /** Overrides the behaviour derived from the image name. */
  readonly behaviour?: (image: string) => FakeBehaviour | undefined;
  /** Result of ExecSync; default `fakeExec`. */
  readonly exec?: (
    containerId: string,
    cmd: readonly string[],
  ) => { exitCode: number; stdout?: string; stderr?: string };
}

/**
 * An in-memory CRI RuntimeService for hollow nodes and tests, keeping the
 * CRI's contracts (see @ktl/cri services.ts): sandboxes get IPs from a
 * per-instance pool, containers go CREATED → RUNNING and run until stopped
 * or until their image's behaviour makes them exit (see behaviour.ts).
 * Nothing is scheduled for a container that just runs, so thousands of them
 * cost only their objects, and list entries are built once per change and
 * shared (frozen: callers must not modify responses).
 */
export class FakeRuntime implements RuntimeService {
  readonly images: FakeImageService;
  private readonly sandboxes = new Map<string, Sandbox>();
  private readonly containers = new Map<string, Box>();
  /** StopContainer calls waiting for a container that ignores SIGTERM to exit on its own. */
  private readonly waiters = new Map<string, (() => void)[]>();
  private pool: IpPool;
  private readonly startDelayMs: number;
  private readonly defaultRunMs: number;

  constructor(private readonly options: FakeRuntimeOptions = {}) {
    this.images = options.images ?? new FakeImageService();
    this.pool = new IpPool(options.podCidr ?? "10.88.0.0/24");
    this.startDelayMs = options.startDelayMs ?? 0;
    this.defaultRunMs = options.defaultRunMs ?? 100;
  }

  version(): Promise<VersionResponse> {
    return Promise.resolve({
      version: "0.1.0",
      runtimeName: "fake",
      runtimeVersion: "0.1.0",
      runtimeApiVersion: "v1",
    });
  }

  status(): Promise<StatusResponse> {
    const ready = (type: string) => ({ type, status: true, reason: "", message: "" });
    return Promise.resolve({
      status: { conditions: [ready("RuntimeReady"), ready("NetworkReady")] },
      info: {},
    });
  }

  runPodSandbox(req: RunPodSandboxRequest): Promise<RunPodSandboxResponse> {
    const config = req.config ?? {};
    const hostNetwork = config.linux?.securityContext?.namespaceOptions?.network === "NODE";
    let ip = "";
    if (!hostNetwork) {
      const allocated = this.pool.allocate();
      if (allocated === undefined) {
        return fail(
          "RunPodSandbox",
          CriCode.UNKNOWN,
          "failed to setup network for sandbox: no IP addresses available in range set",
        );
      }
      ip = allocated;
    }
    const sandbox: Sandbox = {
      id: newId(),
      config,
      createdAt: nowNs(),
      hostNetwork,
      state: "SANDBOX_READY",
      ip,
    };
    this.sandboxes.set(sandbox.id, sandbox);
    return Promise.resolve({ podSandboxId: sandbox.id });
  }

  stopPodSandbox(req: StopPodSandboxRequest): Promise<object> {
    const sandbox = this.sandboxes.get(req.podSandboxId ?? "");
    if (!sandbox) return notFound("StopPodSandbox", "sandbox", req.podSandboxId);
    for (const box of this.containers.values()) {
      if (box.sandboxId === sandbox.id && isActive(box)) this.exit(box, 137, "Error");
    }
    if (sandbox.state === "SANDBOX_READY" && sandbox.ip) this.pool.release(sandbox.ip);
    sandbox.state = "SANDBOX_NOTREADY";
    sandbox.listed = undefined;
    return Promise.resolve({});
  }

  removePodSandbox(req: RemovePodSandboxRequest): Promise<object> {
    const sandbox = this.sandboxes.get(req.podSandboxId ?? "");
    if (!sandbox) return Promise.resolve({});
    for (const box of [...this.containers.values()]) {
      if (box.sandboxId === sandbox.id) this.remove(box);
    }
    if (sandbox.state === "SANDBOX_READY" && sandbox.ip) this.pool.release(sandbox.ip);
    this.sandboxes.delete(sandbox.id);
    return Promise.resolve({});
  }

  podSandboxStatus(req: PodSandboxStatusRequest): Promise<PodSandboxStatusResponse> {
    const sandbox = this.sandboxes.get(req.podSandboxId ?? "");
    if (!sandbox) return notFound("PodSandboxStatus", "sandbox", req.podSandboxId);
    const mode = sandbox.hostNetwork ? "NODE" : "POD";
    return Promise.resolve({
      status: {
        ...sandboxSummary(sandbox),
        network: { ip: sandbox.state === "SANDBOX_READY" ? sandbox.ip : "", additionalIps: [] },
        linux: { namespaces: { options: { network: mode, pid: "CONTAINER", ipc: "POD", targetId: "" } } },
      },
      info: {},
      containersStatuses: [],
      timestamp: nowNs(),
    });
  }

  listPodSandbox(req: ListPodSandboxRequest): Promise<ListPodSandboxResponse> {
    const f = req.filter;
    const items: PodSandbox[] = [];
    for (const s of this.sandboxes.values()) {
      if (f?.id && f.id !== s.id) continue;
      if (f?.state?.state && f.state.state !== s.state) continue;
      if (!matches(s.config.labels, f?.labelSelector)) continue;
      items.push((s.listed ??= deepFreeze(sandboxSummary(s))));
    }
    return Promise.resolve({ items });
  }

  createContainer(req: CreateContainerRequest): Promise<CreateContainerResponse> {
    const sandbox = this.sandboxes.get(req.podSandboxId ?? "");
    if (!sandbox) return notFound("CreateContainer", "sandbox", req.podSandboxId);
    if (sandbox.state !== "SANDBOX_READY") {
      return fail("CreateContainer", CriCode.UNKNOWN, `sandbox container "${sandbox.id}" is not running`);
    }
    const config = req.config ?? {};
    const name = config.metadata?.name ?? "";
    const attempt = config.metadata?.attempt ?? 0;
    for (const other of this.containers.values()) {
      if (
        other.sandboxId === sandbox.id &&
        other.config.metadata?.name === name &&
        (other.config.metadata.attempt ?? 0) === attempt
      ) {
        return fail(
          "CreateContainer",
          CriCode.UNKNOWN,
          `failed to reserve container name "${name}_${attempt}": name is reserved for "${other.id}"`,
        );
      }
    }
    const ref = config.image?.image ?? "";
    const image = this.images.find(ref);
    if (!image) return notFound("CreateContainer", "image", ref);
    const userImage = config.image?.userSpecifiedImage || ref;
    const box: Box = {
      id: newId(),
      sandboxId: sandbox.id,
      config,
      image,
      behaviour: this.options.behaviour?.(userImage) ?? behaviourOf(userImage, this.defaultRunMs),
      logPath: config.logPath ? join(sandbox.config.logDirectory ?? "", config.logPath) : "",
      createdAt: nowNs(),
      state: "CONTAINER_CREATED",
      startedAt: 0,
      finishedAt: 0,
      exitCode: 0,
      reason: "",
    };
    this.containers.set(box.id, box);
    return Promise.resolve({ containerId: box.id });
  }

  async startContainer(req: StartContainerRequest, options?: CallOptions): Promise<object> {
    const box = this.containers.get(req.containerId ?? "");
    if (!box) return notFound("StartContainer", "container", req.containerId);
    if (box.state !== "CONTAINER_CREATED") {
      throw new CriError({
        code: CriCode.UNKNOWN,
        message: `container "${box.id}" is in ${box.state} state`,
        method: "StartContainer",
      });
    }
    if (this.startDelayMs > 0) await sleep(this.startDelayMs, options?.signal);
    if (!this.containers.has(box.id) || box.state !== "CONTAINER_CREATED") {
      throw new CriError({
        code: CriCode.UNKNOWN,
        message: `container "${box.id}" was removed while starting`,
        method: "StartContainer",
      });
    }
    box.state = "CONTAINER_RUNNING";
    box.startedAt = nowNs();
    box.listed = undefined;
    await this.log(box, `fake container ${box.config.metadata?.name ?? ""} started`);
    const { exitAfterMs, exitCode = 0, reason } = box.behaviour;
    if (exitAfterMs !== undefined) {
      box.timer = setTimeout(() => this.exit(box, exitCode, reason), exitAfterMs);
      box.timer.unref();
    }
    return {};
  }

  async stopContainer(req: StopContainerRequest, options?: CallOptions): Promise<object> {
    const box = this.containers.get(req.containerId ?? "");
    if (!box) return notFound("StopContainer", "container", req.containerId);
    if (!isActive(box)) return {};
    const timeout = req.timeout ?? 0;
    if (timeout > 0 && box.behaviour.ignoreSigterm) {
      await Promise.race([sleep(timeout * 1000, options?.signal), this.exited(box)]);
    }
    if (isActive(box)) this.exit(box, timeout > 0 && !box.behaviour.ignoreSigterm ? 143 : 137, "Error");
    return {};
  }

  removeContainer(req: RemoveContainerRequest): Promise<object> {
    const box = this.containers.get(req.containerId ?? "");
    if (box) this.remove(box);
    return Promise.resolve({});
  }

  listContainers(req: ListContainersRequest): Promise<ListContainersResponse> {
    const f = req.filter;
    const containers: CriContainer[] = [];
    for (const box of this.containers.values()) {
      if (f?.id && f.id !== box.id) continue;
      if (f?.podSandboxId && f.podSandboxId !== box.sandboxId) continue;
      if (f?.state?.state && f.state.state !== box.state) continue;
      if (!matches(box.config.labels, f?.labelSelector)) continue;
      containers.push((box.listed ??= deepFreeze(containerSummary(box))));
    }
    return Promise.resolve({ containers });
  }

  containerStatus(req: ContainerStatusRequest): Promise<ContainerStatusResponse> {
    const box = this.containers.get(req.containerId ?? "");
    if (!box) return notFound("ContainerStatus", "container", req.containerId);
    return Promise.resolve({ status: containerStatusOf(box), info: {} });
  }

  execSync(req: ExecSyncRequest): Promise<ExecSyncResponse> {
    const box = this.containers.get(req.containerId ?? "");
    if (!box) return notFound("ExecSync", "container", req.containerId);
    if (box.state !== "CONTAINER_RUNNING") {
      return fail("ExecSync", CriCode.UNKNOWN, `container ${box.id} is not running`);
    }
    const result = this.options.exec?.(box.id, req.cmd ?? []) ?? fakeExec(req.cmd ?? []);
    return Promise.resolve({
      stdout: Buffer.from(result.stdout ?? ""),
      stderr: Buffer.from(result.stderr ?? ""),
      exitCode: result.exitCode,
    });
  }

  /**
   * Switches the range sandbox IPs come from, e.g. to the node's podCIDR once
   * it is assigned (a hollow node's runtime exists before its Node does).
   * Only while no sandbox holds an address from the old range.
   */
  setPodCidr(cidr: string): void {
    if (this.pool.inUse > 0) throw new Error("cannot change the pod CIDR while sandboxes hold addresses");
    this.pool = new IpPool(cidr);
  }

  // Test hooks: what would happen to a real container behind the kubelet's back.

  /** The container exits now, as if its process ended (default exit 1, reason Error). */
  crash(containerId: string, exitCode = 1, reason?: string): void {
    const box = this.containers.get(containerId);
    if (box && isActive(box)) this.exit(box, exitCode, reason);
  }

  /** The sandbox dies (its containers are killed and it loses its IP), as after a node-level failure. */
  killSandbox(sandboxId: string): void {
    void this.stopPodSandbox({ podSandboxId: sandboxId }).catch(() => undefined);
  }

  /** Counts, for tests and hollow-node metrics. */
  stats(): {
    sandboxes: number;
    readySandboxes: number;
    containers: number;
    running: number;
    ipsInUse: number;
  } {
    let readySandboxes = 0;
    let running = 0;
    for (const s of this.sandboxes.values()) if (s.state === "SANDBOX_READY") readySandboxes++;
    for (const c of this.containers.values()) if (c.state === "CONTAINER_RUNNING") running++;
    return {
      sandboxes: this.sandboxes.size,
      readySandboxes,
      containers: this.containers.size,
      running,
      ipsInUse: this.pool.inUse,
    };
  }

  /** Cancels every pending exit timer (the runtime "shuts down"; containers stay as they are). */
  close(): void {
    for (const box of this.containers.values()) clearTimeout(box.timer);
  }

  private exit(box: Box, exitCode: number, reason?: string): void {
    clearTimeout(box.timer);
    box.timer = undefined;
    if (box.state === "CONTAINER_CREATED") box.startedAt = 0;
    box.state = "CONTAINER_EXITED";
    box.listed = undefined;
    box.exitCode = exitCode;
    box.reason = reason ?? (exitCode === 0 ? "Completed" : "Error");
    box.finishedAt = nowNs();
    void this.log(box, `fake container ${box.config.metadata?.name ?? ""} exited with ${exitCode}`).catch(
      () => undefined,
    );
    for (const wake of this.waiters.get(box.id) ?? []) wake();
    this.waiters.delete(box.id);
  }

  private exited(box: Box): Promise<void> {
    return new Promise((resolve) => {
      const list = this.waiters.get(box.id) ?? [];
      list.push(resolve);
      this.waiters.set(box.id, list);
    });
  }

  private remove(box: Box): void {
    if (isActive(box)) this.exit(box, 137, "Error");
    this.containers.delete(box.id);
  }

  private async log(box: Box, content: string): Promise<void> {
    if (!this.options.writeLogs || !box.logPath) return;
    await mkdir(dirname(box.logPath), { recursive: true });
    await appendFile(box.logPath, formatCriLogLine({ time: new Date(), stream: "stdout", content }));
  }
}

/**
 * What a fake container "runs": `echo`, `true` and `false` as a shell would;
 * anything else is not run but reported as success (hollow pods' exec probes
 * pass), saying so on stderr so `kubectl exec` never passes it off as real.
 */
export function fakeExec(cmd: readonly string[]): { exitCode: number; stdout?: string; stderr?: string } {
  const [program, ...args] = cmd;
  if (program === "echo") return { exitCode: 0, stdout: `${args.join(" ")}\n` };
  if (program === "true") return { exitCode: 0 };
  if (program === "false") return { exitCode: 1 };
  return {
    exitCode: 0,
    stderr: `fake runtime: ${JSON.stringify(cmd.join(" "))} not run (only echo, true, false); reported as success\n`,
  };
}
