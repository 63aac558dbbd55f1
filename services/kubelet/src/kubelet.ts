import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { serviceUnavailable } from "@ktl/apimachinery";
import type { ApiClient } from "@ktl/client";
import { CriClient, type ImageService, type RuntimeService } from "@ktl/cri";
import { busSink, EventRecorder, type EventSink } from "@ktl/events";
import type { Bus } from "@ktl/nats";
import { ensureHostSafety, PodRouteSyncer, writeCniConfig } from "@ktl/node-network";
import type { Logger } from "@ktl/service";
import type { KubeletConfig } from "./config.js";
import { makeExecutor, type ContainerExecutor } from "./exec/exec.js";
import { isExecPath, serveExec } from "./exec/exec-http.js";
import { serveExecRelay } from "./exec/exec-relay.js";
import { serveLogRelay } from "./logs/log-relay.js";
import { isContainerLogsPath, serveContainerLogs, type LogLocator } from "./logs/log-server.js";
import { describeNode, runtimeVersionString } from "./node/describe.js";
import { HeartbeatPublisher } from "./node/heartbeat.js";
import type { NodeStatusMetrics } from "./node/metrics.js";
import { waitForPodCidr } from "./node/pod-cidr.js";
import { nodeReadiness } from "./node/readiness.js";
import { NodeStatusReporter } from "./node/status-reporter.js";
import type { SystemInfo } from "./node/system-info.js";
import { startPodManager, type PodManager } from "./pods/pod-manager.js";
import { PodRoutes } from "./node/pod-routes.js";
import { ProbeManager } from "./probes/manager.js";
import type { ProbeMetrics } from "./probes/metrics.js";
import type { TimerQueue } from "./probes/timer-queue.js";
import { FakeRuntime } from "./runtime/fake/fake-runtime.js";

/** What the kubelets of one process share (a hollow process runs many). */
export interface KubeletShared {
  readonly config: KubeletConfig;
  readonly client: ApiClient;
  readonly timers: TimerQueue;
  readonly nodeMetrics: NodeStatusMetrics;
  readonly probeMetrics: ProbeMetrics;
  readonly system: SystemInfo;
  /** The size of the filesystem under --root-dir (capacity "ephemeral-storage"), when known. */
  readonly ephemeralStorageBytes: number | undefined;
  /** Prometheus text for /metrics: the whole process. */
  readonly metricsText: () => string;
  /**
   * The process's one NATS connection (--nats-servers), shared by all its
   * nodes; undefined without NATS. With it, each node heartbeats on
   * `node.heartbeat.<node>` and writes its Node status only when it changes.
   */
  readonly bus?: Bus;
  /** Aborts on shutdown. */
  readonly signal: AbortSignal;
}

/** One node's kubelet, started. */
export interface Kubelet {
  readonly nodeName: string;
  /** Where its HTTP server (logs, /healthz, /metrics) listens. */
  readonly port: number;
  podCount(): number;
  /**
   * Stops reporting, probing and syncing, and closes the server; containers
   * keep running, and a kubelet started again adopts them.
   */
  stop(): Promise<void>;
}

/** One node: its name, port and logger (hollow nodes get their own). */
export interface KubeletNode {
  readonly nodeName: string;
  /** 0: any free port. */
  readonly port: number;
  readonly log: Logger;
  /** Spread the first heartbeat (hollow nodes registered together). */
  readonly spreadHeartbeats?: boolean;
}

/**
 * Starts one node's kubelet: its HTTP server on node-ip:port, the runtime
 * (containerd over CRI, or the in-memory fake), the Node registration and
 * status reports, and, once the pod network is configured (cri: after
 * spec.podCIDR arrived and the CNI configuration was written), the prober
 * and the pod manager. Resolves when pods can run.
 */
export async function startKubelet(shared: KubeletShared, node: KubeletNode): Promise<Kubelet> {
  const { config, signal } = shared;
  const { log, nodeName } = node;
  const cri = config.runtime === "cri";
  if (cri) {
    await ensureHostSafety({
      podCidr: config.podRange,
      serviceCidr: config.serviceRange,
      nodeInterface: config.nodeInterface,
    });
  }
  const { runtime, images, close } = openRuntime(config);
  const recorder = eventRecorder(shared, nodeName, log);
  let podManager: PodManager | undefined;
  let networkConfigured = !cri;
  let runtimeVersion: string | undefined;
  const locate: LogLocator = (request) => {
    if (!podManager) return Promise.reject(serviceUnavailable("the kubelet is starting"));
    return podManager.locateLog(request);
  };
  let executor: ContainerExecutor | undefined;
  const exec: ContainerExecutor = (request, execSignal) => {
    if (!executor) return Promise.reject(serviceUnavailable("the kubelet is starting"));
    return executor(request, execSignal);
  };
  const server = await listen({
    host: config.nodeIp,
    port: node.port,
    handler: (req, res) =>
      serve({
        req,
        res,
        locate,
        exec,
        metrics: () => shared.metricsText() + recorder.metricsText(),
        ready: () => !!podManager,
      }),
  });
  const port = (server.address() as AddressInfo).port;
  let heartbeats: HeartbeatPublisher | undefined;
  let podRoutes: PodRoutes | undefined;
  // With NATS, the apiserver reaches logs and exec over the bus (the HTTP endpoints stay as its fallback).
  const relays = shared.bus
    ? [serveLogRelay(shared.bus, nodeName, locate, log), serveExecRelay(shared.bus, nodeName, exec, log)]
    : [];
  const stopRelays = (): void => relays.forEach((unsubscribe) => unsubscribe());
  try {
    runtimeVersion = await versionOf(runtime);
    const reporter = new NodeStatusReporter({
      client: shared.client,
      description: () =>
        describeNode({
          name: nodeName,
          nodeIp: config.nodeIp,
          port,
          resources: {
            cpu: config.cpu,
            memoryBytes: config.memoryBytes,
            maxPods: config.maxPods,
            ephemeralStorageBytes: shared.ephemeralStorageBytes,
          },
          extraLabels: config.nodeLabels,
          taints: config.registerWithTaints,
          system: shared.system,
          runtimeVersion: runtimeVersion ?? "unknown://unknown",
        }),
      readiness: async () => {
        // containerd may have come up after us: learn its version once it answers.
        runtimeVersion ??= await versionOf(runtime);
        return nodeReadiness({ runtime, networkConfigured: () => networkConfigured });
      },
      timers: shared.timers,
      updateIntervalMs: Math.min(config.nodeStatusUpdateMs, config.nodeStatusReportMs),
      // With NATS, liveness travels on the bus: no status writes just to renew lastHeartbeatTime.
      reportIntervalMs: shared.bus ? Infinity : config.nodeStatusReportMs,
      metrics: shared.nodeMetrics,
      log,
      spread: node.spreadHeartbeats ? Math.random : undefined,
    });
    const registration = await untilDone("register the node", () => reporter.start(), { log, signal });
    log.info(registration.tookOver ? "took over the existing node" : "registered the node", {
      node: nodeName,
    });
    if (shared.bus) {
      heartbeats = new HeartbeatPublisher({
        bus: shared.bus,
        nodeName,
        timers: shared.timers,
        intervalMs: config.heartbeatMs,
        ready: () => reporter.ready,
        spread: node.spreadHeartbeats ? Math.random : undefined,
        onResync: () => {
          log.info("node status resync requested", { node: nodeName });
          reporter.resync();
        },
      });
      heartbeats.start();
    }
    if (cri) {
      const podCidr = await waitForPodCidr({ client: shared.client, nodeName, signal, log });
      const cni = await writeCniConfig({ confDir: config.cniConfDir, nodeName, podCidr });
      networkConfigured = true;
      reporter.kick();
      log.info("pod network configured", { node: nodeName, podCidr, bridge: cni.bridgeName, conf: cni.path });
      if (config.podRoutes === "host-gw") {
        // Other machines' pods are reached through their node's InternalIP (flannel's host-gw).
        podRoutes = new PodRoutes({
          client: shared.client,
          syncer: new PodRouteSyncer({
            nodeName,
            podRange: config.podRange,
            nodeInterface: config.nodeInterface,
          }),
          log,
        });
        await podRoutes.start(signal);
      }
    }
    if (runtime instanceof FakeRuntime) {
      // Hollow pods take addresses from their node's podCIDR too, so pods on
      // different hollow nodes never share an IP; without a controller-manager
      // to assign one (5 s), the fake's own range.
      const podCidr = await waitForPodCidr({
        client: shared.client,
        nodeName,
        signal: AbortSignal.any([signal, AbortSignal.timeout(5000)]),
        log,
        intervalMs: 250,
      }).catch(() => undefined);
      if (podCidr) runtime.setPodCidr(podCidr);
    }
    const probes = new ProbeManager({
      runtime,
      timers: shared.timers,
      metrics: shared.probeMetrics,
      recorder,
    });
    const pods = await startPodManager({
      client: shared.client,
      nodeName,
      nodeIp: config.nodeIp,
      runtime,
      images,
      probes,
      podLogsDir: config.podLogsDir,
      podsDir: config.podsDir,
      cgroupParent: config.cgroupRoot,
      crashLoopBackOff: config.crashLoopBackOff,
      imagePullBackOff: config.imagePullBackOff,
      memoryCapacityBytes: config.memoryBytes,
      allocatable: { cpu: String(config.cpu), memory: String(config.memoryBytes) },
      log,
      signal,
      recorder,
    });
    podManager = pods;
    executor = makeExecutor({ runtime, runningPods: () => pods.runningPods() });
    return {
      nodeName,
      port,
      podCount: () => pods.podCount(),
      stop: async () => {
        stopRelays();
        heartbeats?.stop();
        await podRoutes?.stop();
        reporter.stop();
        probes.stop();
        await pods.stop();
        await closeServer(server);
        close();
      },
    };
  } catch (err) {
    stopRelays();
    heartbeats?.stop();
    await podRoutes?.stop();
    await closeServer(server);
    close();
    throw err;
  }
}

/** One events sink per bus: every node of a hollow process publishes through its one connection. */
const sinks = new WeakMap<Bus, EventSink>();

/**
 * The node's event recorder (component "kubelet", host the node name) on the
 * process's NATS bus; without --nats-servers, a disabled one that only counts
 * what it drops. Hollow nodes each get their own, sharing the bus and sink.
 */
function eventRecorder(shared: KubeletShared, nodeName: string, log: Logger): EventRecorder {
  if (!shared.bus) return EventRecorder.disabled("kubelet", nodeName);
  let sink = sinks.get(shared.bus);
  if (!sink) {
    sink = busSink(shared.bus, log);
    sinks.set(shared.bus, sink);
  }
  return new EventRecorder({ sink, component: "kubelet", host: nodeName, log });
}

function openRuntime(config: KubeletConfig): {
  runtime: RuntimeService;
  images: ImageService;
  close: () => void;
} {
  if (config.runtime === "cri") {
    const client = new CriClient(config.containerRuntimeEndpoint);
    return { runtime: client, images: client, close: () => client.close() };
  }
  // A single fake node writes a log line per container start and exit (for `kubectl logs`);
  // hollow nodes write no files.
  const fake = new FakeRuntime({
    startDelayMs: config.fakeStartDelayMs,
    writeLogs: config.hollowNodes === 0,
  });
  return { runtime: fake, images: fake.images, close: () => undefined };
}

async function versionOf(runtime: RuntimeService): Promise<string | undefined> {
  try {
    return runtimeVersionString(await runtime.version({ version: "v1" }, { timeoutMs: 5000 }));
  } catch {
    return undefined;
  }
}

/** Retries `fn` (the apiserver may not be up yet) with a growing pause, until it succeeds or `signal` aborts. */
async function untilDone<T>(
  what: string,
  fn: () => Promise<T>,
  ctx: { log: Logger; signal: AbortSignal },
): Promise<T> {
  for (let delay = 500; ; delay = Math.min(delay * 2, 5000)) {
    ctx.signal.throwIfAborted();
    try {
      return await fn();
    } catch (err) {
      ctx.log.warn(`could not ${what}; retrying`, {
        error: err instanceof Error ? err.message : String(err),
      });
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function listen(options: {
  host: string;
  port: number;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}): Promise<Server> {
  const server = createServer(options.handler);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The kubelet's HTTP API: health, metrics, container logs and exec. */
function serve(options: {
  req: IncomingMessage;
  res: ServerResponse;
  locate: LogLocator;
  exec: ContainerExecutor;
  metrics: () => string;
  ready: () => boolean;
}): void {
  const { req, res } = options;
  const url = req.url ?? "/";
  const path = url.split("?")[0];
  const text = (code: number, body: string, type = "text/plain"): void => {
    res.writeHead(code, { "content-type": type });
    res.end(body);
  };
  if (req.method === "POST" && isExecPath(url)) return void serveExec(req, res, options.exec);
  if (req.method !== "GET" && req.method !== "HEAD") return text(405, "method not allowed");
  if (path === "/healthz" || path === "/livez") return text(200, "ok");
  if (path === "/readyz") return options.ready() ? text(200, "ok") : text(503, "not ready: starting");
  if (path === "/metrics") return text(200, options.metrics(), "text/plain; version=0.0.4");
  if (isContainerLogsPath(url)) return void serveContainerLogs(req, res, options.locate);
  text(404, "not found");
}
