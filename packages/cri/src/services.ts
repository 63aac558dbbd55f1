/**
 * The CRI as the kubelet sees it: two plain interfaces, implemented by
 * CriClient (containerd over gRPC) and by in-memory fakes (the hollow node).
 * The contracts below are the CRI's; implementations must keep them, fakes
 * included, because the kubelet relies on them.
 *
 * Errors: a failed call rejects with a CriError (see errors.ts). NotFound
 * (gRPC code 5) means "no such sandbox/container/image" — use isNotFound().
 * Responses follow proto3: scalar, enum, list and map fields are always
 * present (zero values filled in), message fields are absent when unset.
 */
import type {
  ContainerStatusRequest,
  ContainerStatusResponse,
  CreateContainerRequest,
  CreateContainerResponse,
  ExecSyncRequest,
  ExecSyncResponse,
  ImageFsInfoRequest,
  ImageFsInfoResponse,
  ImageStatusRequest,
  ImageStatusResponse,
  ListContainersRequest,
  ListContainersResponse,
  ListImagesRequest,
  ListImagesResponse,
  ListPodSandboxRequest,
  ListPodSandboxResponse,
  PodSandboxStatusRequest,
  PodSandboxStatusResponse,
  PullImageRequest,
  PullImageResponse,
  RemoveContainerRequest,
  RemoveContainerResponse,
  RemoveImageRequest,
  RemoveImageResponse,
  RemovePodSandboxRequest,
  RemovePodSandboxResponse,
  RunPodSandboxRequest,
  RunPodSandboxResponse,
  StartContainerRequest,
  StartContainerResponse,
  StatusRequest,
  StatusResponse,
  StopContainerRequest,
  StopContainerResponse,
  StopPodSandboxRequest,
  StopPodSandboxResponse,
  VersionRequest,
  VersionResponse,
} from "./gen/types.js";

/** Per-call options; implementations without I/O may ignore them. */
export interface CallOptions {
  /** Deadline for this call in milliseconds (overrides the client default). */
  readonly timeoutMs?: number;
  /** Cancels the call; it then rejects with a CriError of code CANCELLED. */
  readonly signal?: AbortSignal;
}

/** runtime.v1.RuntimeService: pod sandboxes and containers. */
export interface RuntimeService {
  /** Runtime name and versions; the cheapest "is the runtime up" probe. */
  version(req: VersionRequest, options?: CallOptions): Promise<VersionResponse>;

  /**
   * Runtime conditions: "RuntimeReady" and "NetworkReady" (false while the
   * CNI configuration is missing). The kubelet derives node readiness from it.
   */
  status(req: StatusRequest, options?: CallOptions): Promise<StatusResponse>;

  /**
   * Creates and starts a sandbox: namespaces, the pause container, and (for
   * network mode POD) a CNI-configured network namespace. On success the
   * sandbox is SANDBOX_READY. Not idempotent: each call makes a new sandbox,
   * even for the same metadata (the kubelet bumps metadata.attempt).
   */
  runPodSandbox(req: RunPodSandboxRequest, options?: CallOptions): Promise<RunPodSandboxResponse>;

  /**
   * Stops every container of the sandbox (forcibly) and releases its network
   * (CNI DEL, IP returned). Idempotent: stopping a stopped sandbox succeeds.
   * The kubelet calls it at least once before removePodSandbox. For an
   * unknown id containerd answers NotFound; callers treat that as done.
   */
  stopPodSandbox(req: StopPodSandboxRequest, options?: CallOptions): Promise<StopPodSandboxResponse>;

  /**
   * Removes the sandbox and all its containers (killing them if needed).
   * Idempotent: an already removed (unknown) sandbox is not an error.
   */
  removePodSandbox(req: RemovePodSandboxRequest, options?: CallOptions): Promise<RemovePodSandboxResponse>;

  /** The sandbox's status (state, network IP, metadata). NotFound if it does not exist. */
  podSandboxStatus(req: PodSandboxStatusRequest, options?: CallOptions): Promise<PodSandboxStatusResponse>;

  /** Sandboxes matching every set field of the filter (all sandboxes without one). */
  listPodSandbox(req: ListPodSandboxRequest, options?: CallOptions): Promise<ListPodSandboxResponse>;

  /**
   * Creates a container (CONTAINER_CREATED) in a ready sandbox; the image
   * must already be present (pull it first). NotFound for an unknown sandbox.
   * (metadata.name, metadata.attempt) must be unique within the sandbox.
   */
  createContainer(req: CreateContainerRequest, options?: CallOptions): Promise<CreateContainerResponse>;

  /** Starts a created container (→ CONTAINER_RUNNING). NotFound for an unknown id. */
  startContainer(req: StartContainerRequest, options?: CallOptions): Promise<StartContainerResponse>;

  /**
   * Sends the stop signal, waits `timeout` seconds, then SIGKILL; resolves
   * once the container has exited (CONTAINER_EXITED). Idempotent for an
   * already stopped container. containerd answers NotFound for an unknown id.
   */
  stopContainer(req: StopContainerRequest, options?: CallOptions): Promise<StopContainerResponse>;

  /**
   * Removes the container, killing it first if it runs. Idempotent: an
   * already removed (unknown) container is not an error.
   */
  removeContainer(req: RemoveContainerRequest, options?: CallOptions): Promise<RemoveContainerResponse>;

  /** Containers matching every set field of the filter (all containers without one). */
  listContainers(req: ListContainersRequest, options?: CallOptions): Promise<ListContainersResponse>;

  /**
   * The container's status: state, timestamps (ns), exitCode and reason
   * ("Completed", "Error", "OOMKilled") once exited, logPath. NotFound if it
   * does not exist.
   */
  containerStatus(req: ContainerStatusRequest, options?: CallOptions): Promise<ContainerStatusResponse>;

  /**
   * Runs `cmd` in the running container and waits for it (at most
   * req.timeout seconds when set). A non-zero exit is not an error: it is in
   * exitCode. Fails if the container does not run.
   */
  execSync(req: ExecSyncRequest, options?: CallOptions): Promise<ExecSyncResponse>;
}

/** runtime.v1.ImageService: images on the node. */
export interface ImageService {
  /** Images matching the filter (all without one). */
  listImages(req: ListImagesRequest, options?: CallOptions): Promise<ListImagesResponse>;

  /**
   * The image, or a response without `image` (not an error) when it is not
   * on the node. Accepts a reference ("busybox", "docker.io/library/busybox:latest")
   * or an image id.
   */
  imageStatus(req: ImageStatusRequest, options?: CallOptions): Promise<ImageStatusResponse>;

  /**
   * Pulls the image and returns its imageRef (containerd: the image id,
   * "sha256:…"). Pulling a present image is cheap and succeeds. Fails (e.g.
   * NotFound / Unknown) when the registry does not have it.
   */
  pullImage(req: PullImageRequest, options?: CallOptions): Promise<PullImageResponse>;

  /** Removes the image. Idempotent: removing an absent image succeeds. */
  removeImage(req: RemoveImageRequest, options?: CallOptions): Promise<RemoveImageResponse>;

  /** Usage of the filesystem holding images. */
  imageFsInfo(req: ImageFsInfoRequest, options?: CallOptions): Promise<ImageFsInfoResponse>;
}
