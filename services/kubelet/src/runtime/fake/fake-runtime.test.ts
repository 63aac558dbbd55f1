import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isNotFound } from "@ktl/cri";
import { parseCriLogLine } from "../../logs/cri-log.js";
import { FakeRuntime } from "./fake-runtime.js";
import { IpPool } from "./ip-pool.js";

const runtimes: FakeRuntime[] = [];
afterEach(() => {
  for (const r of runtimes.splice(0)) r.close();
});

async function setUp(options: ConstructorParameters<typeof FakeRuntime>[0] = {}) {
  const runtime = new FakeRuntime(options);
  runtimes.push(runtime);
  const { podSandboxId = "" } = await runtime.runPodSandbox({
    config: {
      metadata: { name: "p", namespace: "default", uid: "u1", attempt: 0 },
      labels: { "io.kubernetes.pod.uid": "u1" },
      logDirectory: "/nowhere",
    },
  });
  return { runtime, podSandboxId };
}

async function create(runtime: FakeRuntime, podSandboxId: string, image: string, name = "c") {
  const { imageRef = "" } = await runtime.images.pullImage({ image: { image } });
  const { containerId = "" } = await runtime.createContainer({
    podSandboxId,
    config: {
      metadata: { name, attempt: 0 },
      image: { image: imageRef, userSpecifiedImage: image },
      labels: { app: name },
      logPath: `${name}/0.log`,
    },
  });
  return containerId;
}

describe("FakeRuntime", () => {
  it("gives sandboxes IPs from its range and takes them back", async () => {
    const { runtime, podSandboxId } = await setUp({ podCidr: "10.1.2.0/24" });
    const { status } = await runtime.podSandboxStatus({ podSandboxId });
    expect(status).toMatchObject({ state: "SANDBOX_READY", network: { ip: "10.1.2.2" } });
    const second = await runtime.runPodSandbox({ config: { metadata: { uid: "u2" } } });
    expect((await runtime.podSandboxStatus({ podSandboxId: second.podSandboxId })).status?.network?.ip).toBe(
      "10.1.2.3",
    );
    await runtime.stopPodSandbox({ podSandboxId });
    const third = await runtime.runPodSandbox({ config: { metadata: { uid: "u3" } } });
    expect((await runtime.podSandboxStatus({ podSandboxId: third.podSandboxId })).status?.network?.ip).toBe(
      "10.1.2.2",
    );
    const host = await runtime.runPodSandbox({
      config: { linux: { securityContext: { namespaceOptions: { network: "NODE" } } } },
    });
    expect((await runtime.podSandboxStatus({ podSandboxId: host.podSandboxId })).status?.network?.ip).toBe(
      "",
    );
    expect(runtime.stats().ipsInUse).toBe(2);
    expect(() => runtime.setPodCidr("10.9.9.0/24")).toThrow(/while sandboxes hold addresses/);
    const fresh = new FakeRuntime();
    runtimes.push(fresh);
    fresh.setPodCidr("10.9.9.0/24");
    const s = await fresh.runPodSandbox({ config: {} });
    expect((await fresh.podSandboxStatus({ podSandboxId: s.podSandboxId })).status?.network?.ip).toBe(
      "10.9.9.2",
    );
  });

  it("runs containers until stopped, honouring the stop timeout", async () => {
    const { runtime, podSandboxId } = await setUp();
    const id = await create(runtime, podSandboxId, "nginx:1.27");
    expect((await runtime.containerStatus({ containerId: id })).status?.state).toBe("CONTAINER_CREATED");
    await runtime.startContainer({ containerId: id });
    const { status } = await runtime.containerStatus({ containerId: id });
    expect(status).toMatchObject({
      state: "CONTAINER_RUNNING",
      imageRef: expect.stringMatching(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/),
      image: { image: "docker.io/library/nginx:1.27", userSpecifiedImage: "nginx:1.27" },
      labels: { app: "c" },
      logPath: "/nowhere/c/0.log",
    });
    await runtime.stopContainer({ containerId: id, timeout: 30 });
    expect((await runtime.containerStatus({ containerId: id })).status).toMatchObject({
      state: "CONTAINER_EXITED",
      exitCode: 143,
      reason: "Error",
    });
    await runtime.removeContainer({ containerId: id });
    await expect(runtime.containerStatus({ containerId: id })).rejects.toSatisfy(isNotFound);
  });

  it("exits containers as their image says", async () => {
    vi.useFakeTimers();
    try {
      const { runtime, podSandboxId } = await setUp();
      const failing = await create(runtime, podSandboxId, "fake/exit:3-500", "a");
      const oom = await create(runtime, podSandboxId, "fake/oom", "b");
      await runtime.startContainer({ containerId: failing });
      await runtime.startContainer({ containerId: oom });
      await vi.advanceTimersByTimeAsync(200);
      expect((await runtime.containerStatus({ containerId: failing })).status?.state).toBe(
        "CONTAINER_RUNNING",
      );
      expect((await runtime.containerStatus({ containerId: oom })).status).toMatchObject({
        state: "CONTAINER_EXITED",
        exitCode: 137,
        reason: "OOMKilled",
      });
      await vi.advanceTimersByTimeAsync(400);
      expect((await runtime.containerStatus({ containerId: failing })).status).toMatchObject({
        state: "CONTAINER_EXITED",
        exitCode: 3,
        reason: "Error",
      });

      const stubborn = await create(runtime, podSandboxId, "fake/ignore-sigterm", "c");
      await runtime.startContainer({ containerId: stubborn });
      let stopped = false;
      void runtime.stopContainer({ containerId: stubborn, timeout: 2 }).then(() => (stopped = true));
      await vi.advanceTimersByTimeAsync(1900);
      expect(stopped).toBe(false);
      await vi.advanceTimersByTimeAsync(200);
      expect(stopped).toBe(true);
      expect((await runtime.containerStatus({ containerId: stubborn })).status?.exitCode).toBe(137);
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses nonexistent images and containers without their image", async () => {
    const { runtime, podSandboxId } = await setUp();
    await expect(runtime.images.pullImage({ image: { image: "nonexistent:1" } })).rejects.toSatisfy(
      isNotFound,
    );
    await expect(
      runtime.createContainer({
        podSandboxId,
        config: { metadata: { name: "x" }, image: { image: "never-pulled:1" } },
      }),
    ).rejects.toSatisfy(isNotFound);
  });

  it("filters lists and writes logs when asked", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ktl-fake-runtime-"));
    try {
      const runtime = new FakeRuntime({ writeLogs: true });
      runtimes.push(runtime);
      const { podSandboxId = "" } = await runtime.runPodSandbox({
        config: { metadata: { uid: "u1" }, labels: { "io.kubernetes.pod.uid": "u1" }, logDirectory: dir },
      });
      const id = await create(runtime, podSandboxId, "busybox:1");
      await runtime.startContainer({ containerId: id });
      expect(
        (await runtime.listPodSandbox({ filter: { labelSelector: { "io.kubernetes.pod.uid": "u1" } } }))
          .items,
      ).toHaveLength(1);
      expect(
        (await runtime.listPodSandbox({ filter: { labelSelector: { "io.kubernetes.pod.uid": "u2" } } }))
          .items,
      ).toHaveLength(0);
      expect(
        (await runtime.listContainers({ filter: { state: { state: "CONTAINER_RUNNING" } } })).containers,
      ).toHaveLength(1);
      expect((await runtime.execSync({ containerId: id, cmd: ["true"] })).exitCode).toBe(0);
      const echo = await runtime.execSync({ containerId: id, cmd: ["echo", "a", "b"] });
      expect([Buffer.from(echo.stdout ?? []).toString(), echo.exitCode]).toEqual(["a b\n", 0]);
      expect((await runtime.execSync({ containerId: id, cmd: ["false"] })).exitCode).toBe(1);
      const other = await runtime.execSync({ containerId: id, cmd: ["ls", "/"] });
      expect(other.exitCode).toBe(0);
      expect(Buffer.from(other.stderr ?? []).toString()).toContain('"ls /" not run');
      const line = (await readFile(join(dir, "c/0.log"), "utf8")).split("\n")[0] ?? "";
      expect(parseCriLogLine(line)).toMatchObject({ stream: "stdout", content: "fake container c started" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("IpPool", () => {
  it("hands out the lowest free address and refuses when exhausted", () => {
    const pool = new IpPool("192.168.7.9/30");
    expect(pool.allocate()).toBe("192.168.7.10");
    expect(pool.allocate()).toBeUndefined();
    pool.release("192.168.7.10");
    expect(pool.allocate()).toBe("192.168.7.10");
    expect(() => new IpPool("10.0.0.0/8")).toThrow(/invalid pod CIDR/);
  });
});
