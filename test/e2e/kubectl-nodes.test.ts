/**
 * End to end: kubectl cordon, uncordon and taint against the scheduler. Nodes
 * are plain Node objects (no kubelet); the scheduler places pods among them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Node, type Pod } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import { startScheduler, type ServiceProcess } from "@ktl/testing";
import { useApiserver } from "../integration/cluster.js";
import { KubectlRunner } from "./kubectl-runner.js";

const cluster = useApiserver();
const nodes = findResource("", "nodes")!;
const pods = findResource("", "pods")!;
let client: ApiClient;
let scheduler: ServiceProcess;
let kubectl: KubectlRunner;

beforeAll(async () => {
  client = new ApiClient(cluster.apiserver.grpcAddress);
  scheduler = await startScheduler({
    apiserver: cluster.apiserver.grpcAddress,
    args: ["--leader-elect", "false"],
  });
  kubectl = await KubectlRunner.create(cluster.apiserver.url);
  for (const name of ["n1", "n2"]) {
    await client.create<Node>(nodes, undefined, {
      metadata: { name, labels: { "kubernetes.io/hostname": name } },
      status: {
        allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
        capacity: { cpu: "4", memory: "8Gi", pods: "110" },
        conditions: [{ type: "Ready", status: "True" }],
      },
    });
  }
});

afterAll(async () => {
  await scheduler?.stop();
  client?.close();
  await kubectl?.dispose();
});

async function placed(name: string, waitMs = 10_000): Promise<string | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const pod = await client.get<Pod>(pods, "default", name);
    if (pod.spec?.nodeName) return pod.spec.nodeName;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function runPod(name: string, extra: string[] = []): Promise<void> {
  await kubectl.ok(["run", name, "--image=busybox", "--restart=Never", ...extra]);
}

describe("kubectl cordon, uncordon and taint with the scheduler", () => {
  it("cordon keeps new pods off a node, uncordon lets them back", async () => {
    expect(await kubectl.ok(["cordon", "n1"])).toContain("node/n1 cordoned");
    const status = await kubectl.ok(["get", "node", "n1"]);
    expect(status).toContain("SchedulingDisabled");
    for (const name of ["c1", "c2", "c3"]) await runPod(name);
    for (const name of ["c1", "c2", "c3"]) expect(await placed(name)).toBe("n2");
    expect(await kubectl.ok(["uncordon", "n1"])).toContain("node/n1 uncordoned");
    expect(await kubectl.ok(["get", "node", "n1"])).not.toContain("SchedulingDisabled");
  });

  it("taint keeps pods without a toleration off a node, and explains an unschedulable pod", async () => {
    expect(await kubectl.ok(["taint", "nodes", "n2", "dedicated=gpu:NoSchedule"])).toContain(
      "node/n2 tainted",
    );
    await kubectl.ok(["cordon", "n1"]);
    await runPod("t1");
    expect(await placed("t1", 2000)).toBeUndefined();
    const described = await kubectl.ok([
      "get",
      "pod",
      "t1",
      "-o",
      "jsonpath={.status.conditions[0].message}",
    ]);
    expect(described).toBe(
      "0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable.",
    );
    await kubectl.ok(["taint", "nodes", "n2", "dedicated=gpu:NoSchedule-"]);
    expect(await placed("t1")).toBe("n2");
    await kubectl.ok(["uncordon", "n1"]);
  });
});
