/**
 * Two controller-managers: exactly one leads (holds the Lease and reconciles);
 * killing it with SIGKILL hands over to the other within a few seconds.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Lease, type Pod, type ReplicaSet } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import { startControllerManager, type ServiceProcess } from "@ktl/testing";
import { useApiserver } from "../cluster.js";

const cluster = useApiserver();
const leases = findResource("coordination.k8s.io", "leases")!;
const replicasets = findResource("apps", "replicasets")!;
const pods = findResource("", "pods")!;
const ELECTION = [
  "--controllers",
  "replicaset",
  "--leader-elect-lease-duration",
  "3",
  "--leader-elect-renew-deadline",
  "2",
  "--leader-elect-retry-period",
  "0.5",
];
let client: ApiClient;
const managers: ServiceProcess[] = [];

beforeAll(() => {
  client = new ApiClient(cluster.apiserver.grpcAddress);
});

afterAll(async () => {
  client?.close();
  for (const m of managers) await m.stop();
});

const holder = async (): Promise<string | undefined> =>
  (await client.get<Lease>(leases, "kube-system", "kube-controller-manager")).spec?.holderIdentity;

async function podCount(set: string): Promise<number> {
  return (await client.list<Pod>(pods, "default", { labelSelector: `set=${set}` })).items.length;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - started;
}

const replicaSet = (name: string): ReplicaSet => ({
  metadata: { name },
  spec: {
    replicas: 2,
    selector: { matchLabels: { set: name } },
    template: {
      metadata: { labels: { set: name } },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    },
  },
});

describe("leader election between two controller-managers", () => {
  it("lets one lead, and hands over to the other when the leader is killed", async () => {
    const args = (id: string) => ["--identity", id, ...ELECTION];
    managers.push(
      await startControllerManager({ apiserver: cluster.apiserver.grpcAddress, args: args("first") }),
    );
    managers.push(
      await startControllerManager({
        apiserver: cluster.apiserver.grpcAddress,
        args: args("second"),
        readyMessage: "starting",
      }),
    );
    expect(await holder()).toBe("first");

    await client.create<ReplicaSet>(replicasets, "default", replicaSet("before"));
    await waitFor(async () => (await podCount("before")) === 2, 10_000);

    // The standby runs no controllers while the other leads.
    expect(await readFile(managers[1]!.logFile, "utf8")).not.toContain("caches synced");
    await managers[0]!.kill();
    const handover = await waitFor(async () => (await holder()) === "second", 10_000);
    expect(handover).toBeLessThan(6_000);

    await client.create<ReplicaSet>(replicasets, "default", replicaSet("after"));
    await waitFor(async () => (await podCount("after")) === 2, 10_000);
    // The old leader's work was not repeated by the new one.
    expect(await podCount("before")).toBe(2);
  }, 40_000);
});
