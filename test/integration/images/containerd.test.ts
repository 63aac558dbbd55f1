/**
 * Real containerd 1.6 pulls the images we build from our registry (directly,
 * and as docker.io/library/busybox through a hosts.toml mirror) and runs
 * them with runc. containerd runs with a minimal config of its own here (no
 * CRI) under a temporary directory; the node's containerd harness lives in
 * @ktl/testing.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildBusyboxImage,
  buildPauseImage,
  createImage,
  createLayer,
  pushImage,
  readImageArchive,
  sandboxImageRef,
  seedImages,
} from "@ktl/oci";
import { removeCgroups } from "@ktl/cri";
import { Child, startRegistry, type RegistryServer } from "@ktl/testing";
import { dockerSaveTar } from "./archives.js";

const exec = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const NAMESPACE = "ktl-oci-test";

let registry: RegistryServer;
let dir: string;
let containerd: Child | undefined;
const runs: Child[] = [];

function paths() {
  return {
    socket: join(dir, "containerd.sock"),
    certs: join(dir, "certs.d"),
    runcRoot: join(dir, "runc"),
    log: join(dir, "containerd.log"),
  };
}

async function ctr(...args: string[]): Promise<string> {
  const { stdout } = await exec("ctr", ["--address", paths().socket, "-n", NAMESPACE, ...args], {
    timeout: 60_000,
  });
  return stdout;
}

function containerdConfig(): string {
  const str = JSON.stringify;
  // Only what ctr needs: content, snapshots, tasks. No CRI, no TCP listeners.
  return `version = 2
root = ${str(join(dir, "root"))}
state = ${str(join(dir, "state"))}
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = ${str(paths().socket)}
  tcp_address = ""
[ttrpc]
  address = ${str(`${paths().socket}.ttrpc`)}
[debug]
  address = ""
  level = "info"
[metrics]
  address = ""
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = ${str(join(dir, "root", "opt"))}
`;
}

beforeAll(async () => {
  if (!isRoot) return;
  registry = await startRegistry();
  await seedImages({ registry: registry.address });
  dir = await mkdtemp(join(tmpdir(), "ktl-oci-containerd-"));
  const { certs, log } = paths();
  // docker.io goes to our registry, as the node's CRI registry config_path does.
  await mkdir(join(certs, "docker.io"), { recursive: true });
  await writeFile(
    join(certs, "docker.io", "hosts.toml"),
    `server = "http://${registry.address}"\n\n[host."http://${registry.address}"]\n  capabilities = ["pull", "resolve"]\n`,
  );
  await writeFile(join(dir, "config.toml"), containerdConfig());
  containerd = new Child({
    command: "containerd",
    args: ["--config", join(dir, "config.toml")],
    logFile: log,
  });
  containerd.process.once("error", () => undefined);
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await ctr("version");
      break;
    } catch (err) {
      if (!containerd.running || Date.now() > deadline) {
        throw new Error(
          `containerd did not start: ${String(err)}\n${await readFile(log, "utf8").catch(() => "")}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}, 120_000);

afterAll(async () => {
  if (containerd?.running) {
    // Whatever a failed test left running: kill, delete tasks and containers.
    const tasks = (await ctr("tasks", "ls", "-q").catch(() => "")).split("\n").filter(Boolean);
    for (const task of tasks) await ctr("tasks", "kill", "-s", "SIGKILL", task).catch(() => "");
    for (const task of tasks) await ctr("tasks", "rm", "-f", task).catch(() => "");
    const containers = (await ctr("containers", "ls", "-q").catch(() => "")).split("\n").filter(Boolean);
    for (const container of containers) await ctr("containers", "rm", container).catch(() => "");
  }
  for (const run of runs) await run.kill();
  await containerd?.stop(10_000);
  // ctr puts its tasks under the cgroup named after the containerd namespace.
  await removeCgroups(`/${NAMESPACE}`);
  if (dir) {
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  }
  await registry?.stop();
}, 120_000);

/** Snapshot mounts a killed task may leave behind, deepest first. */
async function unmountUnder(root: string): Promise<void> {
  const mountinfo = await readFile("/proc/self/mountinfo", "utf8");
  const mounts = mountinfo
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    .filter((m) => m.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
  for (const mount of mounts) await exec("umount", ["-l", mount]).catch(() => undefined);
}

async function taskStatus(id: string): Promise<string | undefined> {
  const line = (await ctr("tasks", "ls")).split("\n").find((l) => l.split(/\s+/)[0] === id);
  return line?.split(/\s+/)[2];
}

describe.skipIf(!isRoot)("containerd pulls and runs our images", () => {
  it("pulls busybox over plain HTTP and runs a command in it", async () => {
    const ref = `${registry.address}/library/busybox:latest`;
    await ctr("images", "pull", "--plain-http", ref);
    const images = await ctr("images", "ls");
    const busybox = await buildBusyboxImage();
    expect(images).toContain(ref);
    expect(images).toContain(busybox.digest);

    const out = await ctr(
      "run",
      "--rm",
      "--runc-root",
      paths().runcRoot,
      ref,
      "busybox-echo",
      "sh",
      "-c",
      'echo "hello from $(id -un) in $PWD"; grep nobody /etc/passwd; wget --help 2>&1 | head -n 1; echo $PATH',
    );
    expect(out.split("\n")).toEqual([
      "hello from root in /",
      "nobody:x:65534:65534:nobody:/home:/bin/false",
      expect.stringMatching(/^BusyBox v\d+\.\d+\.\d+/),
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "",
    ]);
  });

  it("resolves docker.io/library/busybox to our registry through hosts.toml", async () => {
    await ctr("images", "pull", "--hosts-dir", paths().certs, "docker.io/library/busybox:1.35");
    const line = (await ctr("images", "ls"))
      .split("\n")
      .find((l) => l.startsWith("docker.io/library/busybox:1.35 "));
    expect(line).toContain((await buildBusyboxImage()).digest);
    const out = await ctr(
      "run",
      "--rm",
      "--runc-root",
      paths().runcRoot,
      "docker.io/library/busybox:1.35",
      "via-hub",
      "echo",
      "ok",
    );
    expect(out).toBe("ok\n");
  });

  it("reads containerd's own export (OCI layout with a docker manifest.json) and pushes it back", async () => {
    const ref = `${registry.address}/library/busybox:latest`;
    await ctr("images", "pull", "--plain-http", ref);
    const file = join(dir, "exported.tar");
    await ctr("images", "export", "--platform", "linux/amd64", file, ref);
    const read = await readImageArchive(file);
    const busybox = await buildBusyboxImage();
    expect(read.map((r) => r.image.digest)).toEqual([busybox.digest]);
    expect(read[0]?.tags).toEqual([{ repository: "library/busybox", tag: "latest", name: ref }]);

    await pushImage({
      registry: registry.address,
      repository: "ktl/exported",
      tag: "v1",
      image: read[0]!.image,
    });
    const again = `${registry.address}/ktl/exported:v1`;
    await ctr("images", "pull", "--plain-http", again);
    const out = await ctr(
      "run",
      "--rm",
      "--runc-root",
      paths().runcRoot,
      again,
      "exported",
      "echo",
      "round trip",
    );
    expect(out).toBe("round trip\n");
  });

  it("runs a docker save archive both imported by ctr and pushed by readImageArchive + pushImage", async () => {
    const busybox = await buildBusyboxImage();
    const base = busybox.layers[0]!;
    const app = await createLayer([
      { type: "file", path: "srv/hello.txt", data: "hello from a saved image\n" },
    ]);
    const image = createImage({
      layers: [base, app],
      config: { Cmd: ["cat", "/srv/hello.txt"], Env: busybox.config.config?.Env },
    });
    const file = join(dir, "saved.tar");
    await writeFile(file, dockerSaveTar([{ image, repoTags: ["ktl/saved:v1"] }]));

    // containerd's own docker-archive importer accepts the archive as Docker would write it...
    await ctr("images", "import", file);
    expect(
      await ctr("run", "--rm", "--runc-root", paths().runcRoot, "docker.io/ktl/saved:v1", "imported"),
    ).toBe("hello from a saved image\n");

    // ...and so does ours: gzip layers pushed to the registry, pulled back by containerd.
    const [read] = await readImageArchive(file);
    expect(read?.tags).toEqual([{ repository: "ktl/saved", tag: "v1", name: "ktl/saved:v1" }]);
    await pushImage({ registry: registry.address, repository: "ktl/saved", tag: "v1", image: read!.image });
    const ref = `${registry.address}/ktl/saved:v1`;
    await ctr("images", "pull", "--plain-http", ref);
    expect(await ctr("run", "--rm", "--runc-root", paths().runcRoot, ref, "pushed")).toBe(
      "hello from a saved image\n",
    );
  });

  it.each(["SIGTERM", "SIGINT"] as const)(
    "runs the pause image until %s, then exits 0 at once",
    async (signal) => {
      const ref = sandboxImageRef(registry.address);
      await ctr("images", "pull", "--plain-http", ref);
      const id = `pause-${signal.toLowerCase()}`;
      // In the foreground, ctr's exit code is the container's.
      const run = new Child({
        command: "ctr",
        args: [
          "--address",
          paths().socket,
          "-n",
          NAMESPACE,
          "run",
          "--rm",
          "--runc-root",
          paths().runcRoot,
          ref,
          id,
        ],
        logFile: join(dir, `${id}.log`),
      });
      runs.push(run);
      const deadline = Date.now() + 20_000;
      while ((await taskStatus(id)) !== "RUNNING") {
        if (!run.running || Date.now() > deadline)
          throw new Error(`pause did not start: ${await readFile(join(dir, `${id}.log`), "utf8")}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const ps = await ctr("tasks", "ps", id);
      expect(ps.trim().split("\n").length).toBe(3); // header, sh and its sleep
      await new Promise((r) => setTimeout(r, 1000));
      expect(await taskStatus(id)).toBe("RUNNING");

      const at = Date.now();
      await ctr("tasks", "kill", "-s", signal, id);
      expect(await run.waitForExit()).toBe(0);
      expect(Date.now() - at).toBeLessThan(3000);
      expect((await buildPauseImage()).config.config?.Entrypoint?.[0]).toBe("/bin/sh");
    },
  );
});
