/**
 * The kubelet with the cri runtime against a real containerd, registry,
 * etcd and apiserver: the Node stays NotReady until it has a podCIDR, then
 * the kubelet writes the CNI configuration, containerd's network comes up,
 * the Node turns Ready and a pod bound to it gets an IP from its range.
 * Needs root (containerd, CNI, the host safety net).
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Node, type Pod } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import {
  cidrContains,
  ensureHostSafety,
  hostSafetyInstalled,
  parseCidr,
  removeHostSafety,
  removePortmapLeftovers,
} from "@ktl/node-network";
import {
  removeCgroups,
  removeEmptyCgroup,
  startContainerd,
  startKubelet,
  type ContainerdServer,
  type KubeletProcess,
  until,
} from "@ktl/testing";
import { cleanupAll } from "../node/net-helpers.js";
import { useImageRegistry } from "../node/registry.js";
import { useApiserver } from "../cluster.js";

const NODES = findResource("", "nodes")!;
const PODS = findResource("", "pods")!;
const id = randomBytes(4).toString("hex");
const NODE = `cri-node-${id}`;
const POD_CIDR = "100.64.251.0/24";
const CGROUP_ROOT = `/ktl-test/${id}`;

const registry = useImageRegistry();
const cluster = useApiserver();
let client: ApiClient;
let containerd: ContainerdServer;
let kubelet: KubeletProcess | undefined;
let starting: Promise<KubeletProcess> | undefined;
let hadGuard = false;

beforeAll(async () => {
  hadGuard = await hostSafetyInstalled();
  await ensureHostSafety();
  containerd = await startContainerd({ registry: registry.address, sandboxImage: registry.sandboxImage });
  client = new ApiClient(cluster.apiserver.grpcAddress);
}, 120_000);

afterAll(async () => {
  await cleanupAll(
    async () => {
      // Pods go first, so containerd is not left with their sandboxes.
      await client?.delete(PODS, "default", "web", { gracePeriodSeconds: 0 }).catch(() => undefined);
      await sleep(1500);
    },
    async () => {
      const k = kubelet ?? (await starting?.catch(() => undefined));
      await k?.stop();
    },
    async () => client?.close(),
    () => containerd?.stop() ?? Promise.resolve(),
    () => removeCgroups(CGROUP_ROOT),
    () => removeEmptyCgroup("/ktl-test"),
    () => removePortmapLeftovers(),
    () => (hadGuard ? Promise.resolve() : removeHostSafety()),
  );
}, 120_000);

const readyOf = (node: Node) => node.status?.conditions?.find((c) => c.type === "Ready");

describe("kubelet with containerd", () => {
  it("is NotReady until its podCIDR arrives, then writes the CNI config and turns Ready", async () => {
    starting = startKubelet({
      apiserver: cluster.apiserver.grpcAddress,
      nodeName: NODE,
      runtime: "cri",
      containerd: { server: containerd, cgroupRoot: CGROUP_ROOT },
      args: ["--node-status-update-seconds", "1"],
    });
    starting.catch(() => undefined); // awaited below; afterAll stops it whatever happens
    const waiting = await until("the Node to register", () => client.get<Node>(NODES, undefined, NODE));
    expect(readyOf(waiting)).toMatchObject({
      status: "False",
      reason: "NetworkPluginNotReady",
      message: "network not ready: waiting for podCIDR",
    });
    expect(waiting.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^containerd:\/\/\d+\.\d+/);
    // What the controller-manager's node-ipam controller would do.
    await client.patch<Node>(NODES, undefined, NODE, { spec: { podCIDR: POD_CIDR, podCIDRs: [POD_CIDR] } });
    kubelet = await starting;
    const ready = await until("the Node to turn Ready", async () => {
      const node = await client.get<Node>(NODES, undefined, NODE);
      return readyOf(node)?.status === "True" ? node : undefined;
    });
    expect(readyOf(ready)?.reason).toBe("KubeletReady");
    expect(Date.parse(readyOf(ready)?.lastTransitionTime ?? "")).toBeGreaterThanOrEqual(
      Date.parse(readyOf(waiting)?.lastTransitionTime ?? ""),
    );
  }, 90_000);

  it("runs a pod bound to it with an IP from the node's podCIDR", async () => {
    await client.create<Pod>(PODS, "default", {
      metadata: { name: "web" },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }],
      },
    });
    const pod = await until(
      "the pod to run",
      async () => {
        const p = await client.get<Pod>(PODS, "default", "web");
        return p.status?.phase === "Running" ? p : undefined;
      },
      60_000,
    );
    expect(cidrContains(parseCidr(POD_CIDR), pod.status?.podIP ?? "")).toBe(true);
    expect(pod.status?.containerStatuses?.[0]?.containerID).toMatch(/^containerd:\/\//);
  }, 90_000);
});
