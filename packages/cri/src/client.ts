import * as grpc from "@grpc/grpc-js";
import { CriError } from "./errors.js";
import { imageServiceDefinition, runtimeServiceDefinition } from "./grpc-services.js";
import type { CallOptions, ImageService, RuntimeService } from "./services.js";
import type * as t from "./gen/types.js";

export interface CriClientOptions {
  /** Default deadline of a call, ms (default 2 minutes, the kubelet's runtime-request-timeout). */
  readonly timeoutMs?: number;
  /** Default deadline of PullImage, ms (default 10 minutes). */
  readonly pullTimeoutMs?: number;
  /** Passed to grpc-js. */
  readonly channelOptions?: grpc.ChannelOptions;
}

type Callback = (err: grpc.ServiceError | null, value?: unknown) => void;
type Unary = (
  req: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  cb: Callback,
) => grpc.ClientUnaryCall;
type GenericClient = grpc.Client & Record<string, Unary>;

const RuntimeClient = grpc.makeGenericClientConstructor(runtimeServiceDefinition, "RuntimeService");
const ImageClient = grpc.makeGenericClientConstructor(imageServiceDefinition, "ImageService");

/**
 * The CRI over gRPC, e.g. to containerd at "unix:///run/ktl/node-1/containerd.sock"
 * (a bare absolute path is accepted too). The connection is made lazily and
 * re-made after a daemon restart; calls fail with CriError(UNAVAILABLE) while
 * nothing listens.
 */
export class CriClient implements RuntimeService, ImageService {
  readonly address: string;
  private readonly runtime: GenericClient;
  private readonly images: GenericClient;
  private readonly timeoutMs: number;
  private readonly pullTimeoutMs: number;

  constructor(address: string, options: CriClientOptions = {}) {
    this.address = address.startsWith("/") ? `unix://${address}` : address;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.pullTimeoutMs = options.pullTimeoutMs ?? 600_000;
    const channel: grpc.ChannelOptions = {
      "grpc.max_receive_message_length": 64 * 1024 * 1024,
      ...options.channelOptions,
    };
    const credentials = grpc.credentials.createInsecure();
    this.runtime = new RuntimeClient(this.address, credentials, channel) as unknown as GenericClient;
    // One channel for both services: grpc-js shares subchannels by address and options.
    this.images = new ImageClient(this.address, credentials, channel) as unknown as GenericClient;
  }

  close(): void {
    this.runtime.close();
    this.images.close();
  }

  version(req: t.VersionRequest, options?: CallOptions): Promise<t.VersionResponse> {
    return this.call("Version", req, options);
  }
  status(req: t.StatusRequest, options?: CallOptions): Promise<t.StatusResponse> {
    return this.call("Status", req, options);
  }
  runPodSandbox(req: t.RunPodSandboxRequest, options?: CallOptions): Promise<t.RunPodSandboxResponse> {
    return this.call("RunPodSandbox", req, options);
  }
  stopPodSandbox(req: t.StopPodSandboxRequest, options?: CallOptions): Promise<t.StopPodSandboxResponse> {
    return this.call("StopPodSandbox", req, options);
  }
  removePodSandbox(
    req: t.RemovePodSandboxRequest,
    options?: CallOptions,
  ): Promise<t.RemovePodSandboxResponse> {
    return this.call("RemovePodSandbox", req, options);
  }
  podSandboxStatus(
    req: t.PodSandboxStatusRequest,
    options?: CallOptions,
  ): Promise<t.PodSandboxStatusResponse> {
    return this.call("PodSandboxStatus", req, options);
  }
  listPodSandbox(req: t.ListPodSandboxRequest, options?: CallOptions): Promise<t.ListPodSandboxResponse> {
    return this.call("ListPodSandbox", req, options);
  }
  createContainer(req: t.CreateContainerRequest, options?: CallOptions): Promise<t.CreateContainerResponse> {
    return this.call("CreateContainer", req, options);
  }
  startContainer(req: t.StartContainerRequest, options?: CallOptions): Promise<t.StartContainerResponse> {
    return this.call("StartContainer", req, options);
  }
  stopContainer(req: t.StopContainerRequest, options?: CallOptions): Promise<t.StopContainerResponse> {
    // The call lasts as long as the grace period: the deadline must cover it.
    const graceMs = (req.timeout ?? 0) * 1000;
    return this.call("StopContainer", req, { timeoutMs: this.timeoutMs + graceMs, ...options });
  }
  removeContainer(req: t.RemoveContainerRequest, options?: CallOptions): Promise<t.RemoveContainerResponse> {
    return this.call("RemoveContainer", req, options);
  }
  listContainers(req: t.ListContainersRequest, options?: CallOptions): Promise<t.ListContainersResponse> {
    return this.call("ListContainers", req, options);
  }
  containerStatus(req: t.ContainerStatusRequest, options?: CallOptions): Promise<t.ContainerStatusResponse> {
    return this.call("ContainerStatus", req, options);
  }
  execSync(req: t.ExecSyncRequest, options?: CallOptions): Promise<t.ExecSyncResponse> {
    const commandMs = (req.timeout ?? 0) * 1000;
    return this.call("ExecSync", req, { timeoutMs: this.timeoutMs + commandMs, ...options });
  }

  listImages(req: t.ListImagesRequest, options?: CallOptions): Promise<t.ListImagesResponse> {
    return this.call("ListImages", req, options);
  }
  imageStatus(req: t.ImageStatusRequest, options?: CallOptions): Promise<t.ImageStatusResponse> {
    return this.call("ImageStatus", req, options);
  }
  pullImage(req: t.PullImageRequest, options?: CallOptions): Promise<t.PullImageResponse> {
    return this.call("PullImage", req, { timeoutMs: this.pullTimeoutMs, ...options });
  }
  removeImage(req: t.RemoveImageRequest, options?: CallOptions): Promise<t.RemoveImageResponse> {
    return this.call("RemoveImage", req, options);
  }
  imageFsInfo(req: t.ImageFsInfoRequest, options?: CallOptions): Promise<t.ImageFsInfoResponse> {
    return this.call("ImageFsInfo", req, options);
  }

  private call<Res>(method: string, req: unknown, options: CallOptions = {}): Promise<Res> {
    const { signal } = options;
    if (signal?.aborted) {
      return Promise.reject(new CriError({ code: grpc.status.CANCELLED, message: "aborted", method }));
    }
    const client = method in runtimeServiceDefinition ? this.runtime : this.images;
    const deadline = new Date(Date.now() + (options.timeoutMs ?? this.timeoutMs));
    return new Promise<Res>((resolve, reject) => {
      const fn = client[method] as Unary;
      const call = fn.call(client, req, new grpc.Metadata(), { deadline }, (err, value) => {
        signal?.removeEventListener("abort", cancel);
        if (err) reject(CriError.from(method, err));
        else resolve(value as Res);
      });
      const cancel = (): void => call.cancel();
      signal?.addEventListener("abort", cancel, { once: true });
    });
  }
}
