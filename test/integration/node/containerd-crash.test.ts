/**
 * The harness's last line of defence: containerd is SIGKILLed while a pod
 * runs, so nothing can be cleaned up through the CRI. stop() must still leave
 * no shims, runc containers, mounts (rootfs overlays, shm, the pod's netns),
 * bridges or cgroups behind.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CriClient } from "@ktl/cri";
import { ensureHostSafety, hostSafetyInstalled, removeHostSafety, writeCniConfig } from "@ktl/node-network";
import {
  existingCgroups,
  mountsUnder,
  removeCgroups,
  removeEmptyCgroup,
  startContainerd,
  type ContainerdServer,
} from "@ktl/testing";
import { cleanupAll, sh } from "./net-helpers.js";
import { useImageRegistry } from "./registry.js";

const id = randomBytes(4).toString("hex");
const CGROUP_PARENT = `/ktl-test/${id}`;
const registry = useImageRegistry();
let hadGuard = true;
let containerd: ContainerdServer | undefined;

/** Pids of processes whose command line mentions `text`. */
async function processesMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(text)) pids.push(Number(pid));
  }
  return pids;
}

afterAll(async () => {
  await cleanupAll(
    () => containerd?.stop() ?? Promise.resolve(),
    () => removeCgroups(CGROUP_PARENT),
    () => removeEmptyCgroup("/ktl-test"),
    () => (hadGuard ? Promise.resolve() : removeHostSafety()),
  );
});

describe("startContainerd's stop() after a crash", () => {
  it("removes everything the dead daemon's pod left", async () => {
    hadGuard = await hostSafetyInstalled();
    await ensureHostSafety();
    containerd = await startContainerd({
      registry: registry.address,
      sandboxImage: registry.sandboxImage,
    });
    const dir = join(containerd.root, "..");
    const cni = await writeCniConfig({
      confDir: containerd.cniConfDir,
      nodeName: `crash-${id}`,
      podCidr: "100.64.251.0/24",
    });
    const cri = new CriClient(containerd.socket);
    try {
      // containerd loads the CNI config asynchronously.
      for (let i = 0; i < 200; i++) {
        const { status } = await cri.status({});
        if (status?.conditions?.find((c) => c.type === "NetworkReady")?.status) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const sandboxConfig = {
        metadata: { name: "crash", namespace: "default", uid: randomUUID(), attempt: 0 },
        hostname: "crash",
        logDirectory: join(containerd.logDir, "crash"),
        linux: { cgroupParent: CGROUP_PARENT },
      };
      const { podSandboxId } = await cri.runPodSandbox({ config: sandboxConfig });
      await cri.pullImage({ image: { image: "busybox" } });
      const { containerId } = await cri.createContainer({
        podSandboxId,
        sandboxConfig,
        config: {
          metadata: { name: "sleep", attempt: 0 },
          image: { image: "busybox" },
          command: ["sleep", "3600"],
          logPath: "sleep.log",
        },
      });
      await cri.startContainer({ containerId });
    } finally {
      cri.close();
    }
    expect((await mountsUnder(dir)).some((m) => m.includes("netns"))).toBe(true);
    expect(await processesMentioning(containerd.socket)).not.toEqual([]);

    await containerd.child.kill();
    await containerd.stop();

    expect(await mountsUnder(dir)).toEqual([]);
    expect(await processesMentioning(containerd.socket)).toEqual([]);
    await expect(sh("ip", "link", "show", "dev", cni.bridgeName)).rejects.toThrow();
    // No process is left in the pod's cgroups: they can be removed.
    await removeCgroups(CGROUP_PARENT);
    expect(await existingCgroups(CGROUP_PARENT)).toEqual([]);
  }, 120_000);
});
