/**
 * The CRI client against a real containerd (own root, state and sockets) and
 * a real registry: images, a CNI-networked pod sandbox, containers serving
 * HTTP, exec, stop, OOM kills, filters, logs — and that everything is gone
 * afterwards (mounts, network namespaces, bridges, cgroups). Needs root.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CriClient,
  isNotFound,
  type ContainerConfig,
  type ContainerStatus,
  type PodSandboxConfig,
} from "@ktl/cri";
import {
  cidrContains,
  ensureHostSafety,
  hostSafetyInstalled,
  parseCidr,
  removeHostSafety,
  removePortmapLeftovers,
  writeCniConfig,
  type CniConfig,
} from "@ktl/node-network";
import {
  existingCgroups,
  mountsUnder,
  removeCgroups,
  removeEmptyCgroup,
  freePort,
  startContainerd,
  type ContainerdServer,
  until,
} from "@ktl/testing";
import { cleanupAll, sh } from "./net-helpers.js";
import { useImageRegistry } from "./registry.js";

const POD_CIDR = "100.64.250.0/24";
const id = randomBytes(4).toString("hex");
const CGROUP_PARENT = `/ktl-test/${id}`;
const registry = useImageRegistry();

let containerd: ContainerdServer;
let cri: CriClient;
let cni: CniConfig;
let hadGuard = false;
let sandboxId = "";
let sandboxConfig: PodSandboxConfig;
let podIp = "";
let webId = "";
let hostPort = 0;
let natBefore = false;

async function exited(containerId: string): Promise<ContainerStatus> {
  return until(`container ${containerId} to exit`, async () => {
    const { status } = await cri.containerStatus({ containerId });
    return status?.state === "CONTAINER_EXITED" ? status : undefined;
  });
}

function containerConfig(
  name: string,
  command: string[],
  extra: Partial<ContainerConfig> = {},
): ContainerConfig {
  return {
    metadata: { name, attempt: 0 },
    image: { image: "busybox" },
    command,
    logPath: `${name}/0.log`,
    labels: { "ktl.test/container": name, "ktl.test/run": id },
    ...extra,
  };
}

async function runContainer(config: ContainerConfig): Promise<string> {
  const { containerId } = await cri.createContainer({ podSandboxId: sandboxId, config, sandboxConfig });
  if (!containerId) throw new Error("no container id");
  await cri.startContainer({ containerId });
  return containerId;
}

beforeAll(async () => {
  natBefore = /^table ip nat$/m.test(await sh("nft", "list", "tables"));
  hadGuard = await hostSafetyInstalled();
  // Before any sandbox: the bridge plugin turns on ip_forward by itself.
  await ensureHostSafety();
  containerd = await startContainerd({ registry: registry.address, sandboxImage: registry.sandboxImage });
  cni = await writeCniConfig({
    confDir: containerd.cniConfDir,
    nodeName: `cri-test-${id}`,
    podCidr: POD_CIDR,
  });
  cri = new CriClient(`unix://${containerd.socket}`, { timeoutMs: 30_000 });
  // containerd picks the CNI config up from its directory by itself.
  await until("NetworkReady", async () => {
    const { status } = await cri.status({});
    return status?.conditions?.find((c) => c.type === "NetworkReady")?.status ? true : undefined;
  });
}, 120_000);

afterAll(async () => {
  const dir = containerd ? join(containerd.root, "..") : "";
  await cleanupAll(
    async () => cri?.close(),
    () => containerd?.stop() ?? Promise.resolve(),
    () => removeCgroups(CGROUP_PARENT),
    () => removeEmptyCgroup("/ktl-test"),
    () => removePortmapLeftovers(),
    () => (hadGuard ? Promise.resolve() : removeHostSafety()),
  );
  // What the node left behind, checked after everything was stopped.
  if (dir) expect(await mountsUnder(dir)).toEqual([]);
  expect(await existingCgroups(CGROUP_PARENT)).toEqual([]);
  await expect(sh("ip", "link", "show", "dev", cni.bridgeName)).rejects.toThrow();
  expect(await sh("ip", "-4", "route", "show", POD_CIDR)).toBe("");
  expect(await sh("ip", "netns", "list")).not.toMatch(/cni-/);
  if (!natBefore) expect(await sh("nft", "list", "tables")).not.toMatch(/ nat$/m);
}, 120_000);

describe("CRI against containerd", () => {
  it("reports its version and conditions", async () => {
    const v = await cri.version({ version: "v1" });
    expect(v.runtimeName).toBe("containerd");
    expect(v.runtimeApiVersion).toBe("v1");
    const { status } = await cri.status({});
    const conditions = Object.fromEntries((status?.conditions ?? []).map((c) => [c.type, c.status]));
    expect(conditions).toEqual({ RuntimeReady: true, NetworkReady: true });
  });

  it("pulls a bare image name from the local registry and reports it", async () => {
    const { imageRef } = await cri.pullImage({ image: { image: "busybox" } });
    expect(imageRef).toMatch(/^sha256:[0-9a-f]{64}$/);
    const { image } = await cri.imageStatus({ image: { image: "busybox" } });
    expect(image?.id).toBe(imageRef);
    expect(image?.repoTags).toContain("docker.io/library/busybox:latest");
    expect(image?.size).toBeGreaterThan(0);
    const { images = [] } = await cri.listImages({});
    expect(images.map((i) => i.id)).toContain(imageRef);
    // Absent image: no error, no image.
    expect((await cri.imageStatus({ image: { image: "docker.io/library/absent:1" } })).image).toBeUndefined();
    const err = await cri
      .pullImage({ image: { image: "docker.io/library/absent:1" } })
      .catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
    await cri.removeImage({ image: { image: "docker.io/library/absent:1" } }); // absent: fine
    const { imageFilesystems = [] } = await cri.imageFsInfo({});
    expect(imageFilesystems[0]?.fsId?.mountpoint).toContain(containerd.root);
  });

  it("runs a pod sandbox on the node's CNI network", async () => {
    const uid = randomUUID();
    hostPort = await freePort();
    sandboxConfig = {
      metadata: { name: "web", namespace: "default", uid, attempt: 0 },
      hostname: "web",
      logDirectory: join(containerd.logDir, `default_web_${uid}`),
      dnsConfig: { servers: ["100.96.0.10"], searches: ["default.svc.cluster.local"], options: ["ndots:5"] },
      portMappings: [{ protocol: "TCP", containerPort: 8080, hostPort }],
      labels: { "ktl.test/run": id, app: "web" },
      annotations: { "ktl.test/note": "kept as is" },
      linux: {
        cgroupParent: CGROUP_PARENT,
        securityContext: { namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" } },
      },
    };
    ({ podSandboxId: sandboxId = "" } = await cri.runPodSandbox({ config: sandboxConfig }));
    expect(sandboxId).toMatch(/^[0-9a-f]{64}$/);
    const { status, info } = await cri.podSandboxStatus({ podSandboxId: sandboxId, verbose: true });
    expect(status?.state).toBe("SANDBOX_READY");
    expect(status?.metadata).toEqual(sandboxConfig.metadata);
    expect(status?.annotations).toEqual(sandboxConfig.annotations);
    expect(status?.createdAt).toBeGreaterThan(Date.now() * 1e6 - 120e9);
    podIp = status?.network?.ip ?? "";
    expect(cidrContains(parseCidr(POD_CIDR), podIp)).toBe(true);
    expect(podIp).not.toBe(cni.gateway);
    // The network namespace is mounted under the node's own state.
    expect(JSON.parse(info?.info ?? "{}").runtimeSpec?.linux?.namespaces).toContainEqual({
      type: "network",
      path: expect.stringContaining(containerd.state) as string,
    });
  });

  it("runs a container whose HTTP server the host reaches at podIP:8080", async () => {
    webId = await runContainer(
      containerConfig("web", [
        "sh",
        "-c",
        "echo hello from $(hostname) > /tmp/index.html; echo started; exec httpd -f -p 8080 -h /tmp",
      ]),
    );
    const body = await until("the pod's HTTP server", async () => {
      const res = await fetch(`http://${podIp}:8080/index.html`, { signal: AbortSignal.timeout(2000) });
      return res.ok ? res.text() : undefined;
    });
    expect(body).toBe("hello from web\n");
    // The hostPort (portmap, no SNAT) answers on the node's bridge address.
    const viaHostPort = await fetch(`http://${cni.gateway}:${hostPort}/index.html`);
    expect(await viaHostPort.text()).toBe("hello from web\n");
    const { status } = await cri.containerStatus({ containerId: webId });
    expect(status?.state).toBe("CONTAINER_RUNNING");
    expect(status?.startedAt).toBeGreaterThan(0);
    expect(status?.finishedAt).toBe(0);
    expect(status?.logPath).toBe(join(sandboxConfig.logDirectory ?? "", "web/0.log"));
    expect(status?.imageRef).toMatch(/^sha256:|@sha256:/);
    // The sandbox's DNS config became the container's resolv.conf.
    const resolv = await cri.execSync({ containerId: webId, cmd: ["cat", "/etc/resolv.conf"], timeout: 10 });
    expect(Buffer.from(resolv.stdout ?? []).toString()).toContain("nameserver 100.96.0.10");
  });

  it("ExecSync returns stdout, stderr and the exit code", async () => {
    const res = await cri.execSync({
      containerId: webId,
      cmd: ["sh", "-c", "echo out; echo err >&2; exit 3"],
      timeout: 10,
    });
    expect(Buffer.from(res.stdout ?? []).toString()).toBe("out\n");
    expect(Buffer.from(res.stderr ?? []).toString()).toBe("err\n");
    expect(res.exitCode).toBe(3);
  });

  it("ListContainers filters by sandbox, state, labels and id", async () => {
    const sleeperId = await runContainer(containerConfig("sleeper", ["sleep", "3600"]));
    const ids = async (filter: object): Promise<string[]> =>
      ((await cri.listContainers({ filter })).containers ?? []).map((c) => c.id ?? "").sort();
    expect(await ids({ podSandboxId: sandboxId })).toEqual([webId, sleeperId].sort());
    expect(await ids({ labelSelector: { "ktl.test/container": "sleeper" } })).toEqual([sleeperId]);
    expect(await ids({ id: webId })).toEqual([webId]);
    expect(
      await ids({ state: { state: "CONTAINER_RUNNING" }, labelSelector: { "ktl.test/run": id } }),
    ).toEqual([webId, sleeperId].sort());
    expect(await ids({ state: { state: "CONTAINER_EXITED" } })).toEqual([]);
    const { items = [] } = await cri.listPodSandbox({ filter: { labelSelector: { app: "web" } } });
    expect(items.map((s) => s.id)).toEqual([sandboxId]);
    await cri.removeContainer({ containerId: sleeperId });
  });

  it("StopContainer ends a running container with an exit code, and is idempotent", async () => {
    await cri.stopContainer({ containerId: webId, timeout: 1 });
    const status = await exited(webId);
    expect(status.finishedAt).toBeGreaterThanOrEqual(status.startedAt ?? 0);
    // httpd as pid 1 ignores SIGTERM: SIGKILL after the timeout.
    expect([137, 143]).toContain(status.exitCode);
    await cri.stopContainer({ containerId: webId, timeout: 0 });
    await expect(fetch(`http://${podIp}:8080/`, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
  });

  it("writes the container's output to its log file in the CRI format", async () => {
    const log = await readFile(join(sandboxConfig.logDirectory ?? "", "web/0.log"), "utf8");
    const lines = log.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,9}(Z|[+-]\d\d:\d\d) stdout F started$/);
  });

  it("a container over its memory limit is OOMKilled", async () => {
    const hogId = await runContainer(
      containerConfig("hog", ["sh", "-c", "x=a; while :; do x=$x$x; done"], {
        linux: { resources: { memoryLimitInBytes: 32 * 1024 * 1024 } },
      }),
    );
    const status = await exited(hogId);
    expect(status.reason).toBe("OOMKilled");
    expect(status.exitCode).toBe(137);
    expect(status.resources?.linux?.memoryLimitInBytes).toBe(32 * 1024 * 1024);
  });

  it("removes containers and the sandbox, idempotently, with NotFound afterwards", async () => {
    await cri.removeContainer({ containerId: webId });
    const gone = await cri.containerStatus({ containerId: webId }).catch((e: unknown) => e);
    expect(isNotFound(gone)).toBe(true);
    await cri.removeContainer({ containerId: webId }); // already removed: fine
    await cri.stopPodSandbox({ podSandboxId: sandboxId });
    await cri.stopPodSandbox({ podSandboxId: sandboxId }); // already stopped: fine
    const { status } = await cri.podSandboxStatus({ podSandboxId: sandboxId });
    expect(status?.state).toBe("SANDBOX_NOTREADY");
    await cri.removePodSandbox({ podSandboxId: sandboxId });
    await cri.removePodSandbox({ podSandboxId: sandboxId }); // already removed: fine
    expect(isNotFound(await cri.podSandboxStatus({ podSandboxId: sandboxId }).catch((e: unknown) => e))).toBe(
      true,
    );
    expect((await cri.listContainers({})).containers).toEqual([]);
    // The sandbox's network namespace is unmounted and its IP released.
    expect((await mountsUnder(containerd.state)).filter((m) => m.includes("netns"))).toEqual([]);
    // containerd answers NotFound for stopping what no longer exists (callers treat it as done).
    expect(isNotFound(await cri.stopContainer({ containerId: webId }).catch((e: unknown) => e))).toBe(true);
    expect(isNotFound(await cri.stopPodSandbox({ podSandboxId: sandboxId }).catch((e: unknown) => e))).toBe(
      true,
    );
  });
});
