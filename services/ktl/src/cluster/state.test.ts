import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clusterAddresses } from "./components.js";
import { clusterPaths, ktlHome, logFile, nodePaths, pidFile } from "./home.js";
import { DEFAULT_SETTINGS } from "./settings.js";
import { readState, STATE_VERSION, writeState, type ClusterState } from "./state.js";

let dir = "";
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ktl-state-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const STATE: ClusterState = {
  version: STATE_VERSION,
  settings: DEFAULT_SETTINGS,
  addresses: clusterAddresses(DEFAULT_SETTINGS),
  hostSafetyOwned: true,
  hostSafety: { podRange: "100.64.0.0/16", serviceRange: "100.96.0.0/16" },
  updated: "2026-01-01T00:00:00.000Z",
};

describe("state file", () => {
  it("round-trips, leaving no temporary file behind", async () => {
    const file = join(dir, "home", "state.json");
    await writeState(file, STATE);
    expect(await readState(file)).toEqual(STATE);
    expect(await readdir(join(dir, "home"))).toEqual(["state.json"]);
    expect(STATE.addresses).toMatchObject({ registry: "127.0.0.1:5000", apiserverGrpc: "127.0.0.1:8081" });
  });

  it("is undefined when absent and an error when it is not ours", async () => {
    expect(await readState(join(dir, "none.json"))).toBeUndefined();
    await writeFile(join(dir, "bad.json"), "{");
    await expect(readState(join(dir, "bad.json"))).rejects.toThrow(/not valid JSON/);
    await writeFile(join(dir, "old.json"), JSON.stringify({ version: 0 }));
    await expect(readState(join(dir, "old.json"))).rejects.toThrow(/not a ktl cluster state of version 1/);
  });
});

describe("$KTL_HOME layout", () => {
  it("defaults to ~/.ktl and names files per component", () => {
    expect(ktlHome({ HOME: "/home/u" })).toBe("/home/u/.ktl");
    expect(ktlHome({ HOME: "/home/u", KTL_HOME: "/srv/k" })).toBe("/srv/k");
    const paths = clusterPaths("/srv/k");
    expect(logFile(paths, "kubelet-n-1")).toBe("/srv/k/logs/kubelet-n-1.log");
    expect(pidFile(paths, "etcd")).toBe("/srv/k/run/etcd.pid");
    expect(nodePaths(paths, "n-1")).toMatchObject({
      socket: "/srv/k/run/containerd-n-1.sock",
      containerdRoot: "/srv/k/nodes/n-1/containerd/root",
      kubeletRoot: "/srv/k/nodes/n-1/kubelet",
      cniConfDir: "/srv/k/nodes/n-1/cni/net.d",
    });
  });
});
