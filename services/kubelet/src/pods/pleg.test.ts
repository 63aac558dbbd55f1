import { describe, expect, it } from "vitest";
import type { Logger } from "@ktl/service";
import { FakeRuntime } from "../runtime/fake/fake-runtime.js";
import { podLabels } from "./labels.js";
import { Pleg } from "./pleg.js";

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe("Pleg", () => {
  it("reports every pod at first, then only pods whose sandboxes or containers changed", async () => {
    const runtime = new FakeRuntime();
    const changes: string[] = [];
    const pleg = new Pleg({
      runtime,
      nodeName: "node-1",
      periodMs: 1000,
      log: quiet,
      onPodChange: (p) => changes.push(p.uid),
    });
    const sandbox = async (uid: string, node = "node-1") => {
      const labels = podLabels({ uid, name: `pod-${uid}`, namespace: "default" }, node);
      const { podSandboxId = "" } = await runtime.runPodSandbox({ config: { metadata: { uid }, labels } });
      const { imageRef = "" } = await runtime.images.pullImage({ image: { image: "busybox:1" } });
      const { containerId = "" } = await runtime.createContainer({
        podSandboxId,
        config: {
          metadata: { name: "c" },
          image: { image: imageRef },
          labels: { ...labels, "io.kubernetes.container.name": "c" },
        },
      });
      return { podSandboxId, containerId };
    };
    const a = await sandbox("a");
    await sandbox("b");
    // Another node's, or not a kubelet's at all: ignored.
    await sandbox("c", "node-2");
    await runtime.runPodSandbox({ config: { metadata: { uid: "x" } } });

    await pleg.relist();
    expect(changes.sort()).toEqual(["a", "b"]);
    expect(pleg.snapshot().get("a")).toMatchObject({
      name: "pod-a",
      containers: [{ name: "c", state: "CONTAINER_CREATED" }],
    });
    changes.length = 0;
    await pleg.relist();
    expect(changes).toEqual([]);
    await runtime.startContainer({ containerId: a.containerId });
    await pleg.relist();
    expect(changes).toEqual(["a"]);
    changes.length = 0;
    await runtime.removePodSandbox({ podSandboxId: a.podSandboxId });
    await pleg.relist();
    expect(changes).toEqual(["a"]);
    expect(pleg.snapshot().has("a")).toBe(false);
    runtime.close();
  });
});
