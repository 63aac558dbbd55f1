import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { renderContainerdConfig } from "./config.js";
import { hostsToml, writeRegistryHosts } from "./registry-hosts.js";

describe("renderContainerdConfig", () => {
  const toml = renderContainerdConfig({
    root: "/tmp/n1/root",
    state: "/tmp/n1/state",
    socket: "/tmp/n1/containerd.sock",
    sandboxImage: "127.0.0.1:5000/ktl/pause:3.9",
    cniConfDir: "/tmp/n1/cni/net.d",
    registryConfigPath: "/tmp/n1/certs.d",
  });

  it("keeps every path and socket per node and listens on no TCP port", () => {
    expect(toml).toMatch(/^version = 2$/m);
    expect(toml).toMatch(/^root = "\/tmp\/n1\/root"$/m);
    expect(toml).toMatch(/^state = "\/tmp\/n1\/state"$/m);
    expect(toml).toContain('address = "/tmp/n1/containerd.sock"');
    expect(toml).toContain('address = "/tmp/n1/containerd.sock.ttrpc"');
    expect(toml).toContain('tcp_address = ""');
    expect(toml).toContain('stream_server_address = "127.0.0.1"');
    expect(toml).toContain('stream_server_port = "0"');
    expect(toml).toContain('Root = "/tmp/n1/state/runc"');
    expect(toml).toContain("netns_mounts_under_state_dir = true");
    expect(toml).toContain('path = "/tmp/n1/root/opt"');
  });

  it("configures the CRI: pause image, runc v2 with cgroupfs, overlayfs, CNI and registry dirs", () => {
    expect(toml).toContain('sandbox_image = "127.0.0.1:5000/ktl/pause:3.9"');
    expect(toml).toContain('snapshotter = "overlayfs"');
    expect(toml).toContain('runtime_type = "io.containerd.runc.v2"');
    expect(toml).toContain("SystemdCgroup = false");
    expect(toml).toContain('bin_dir = "/usr/lib/cni"');
    expect(toml).toContain('conf_dir = "/tmp/n1/cni/net.d"');
    expect(toml).toContain('config_path = "/tmp/n1/certs.d"');
    expect(toml).toContain("enable_cdi = false");
    expect(toml).toContain("restrict_oom_score_adj = true");
    expect(toml).toContain('"io.containerd.snapshotter.v1.zfs"');
  });
});

describe("writeRegistryHosts", () => {
  let dir = "";
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("points the local registry, docker.io and every other registry at the local registry", async () => {
    dir = await mkdtemp(join(tmpdir(), "ktl-certs-"));
    await writeRegistryHosts({ configPath: dir, registry: "127.0.0.1:5000" });
    expect((await readdir(dir)).sort()).toEqual(["127.0.0.1:5000", "_default", "docker.io"]);
    for (const host of ["127.0.0.1:5000", "_default", "docker.io"]) {
      expect(await readFile(join(dir, host, "hosts.toml"), "utf8")).toBe(hostsToml("127.0.0.1:5000"));
    }
    const text = hostsToml("127.0.0.1:5000");
    expect(text).toContain('server = "http://127.0.0.1:5000"');
    // containerd 1.6 ignores a file without a [host] table (and then uses the real upstream).
    expect(text).toContain('[host."http://127.0.0.1:5000"]');
  });
});
