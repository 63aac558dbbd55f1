import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Node } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import { startControllerManager, type ServiceProcess } from "@ktl/testing";
import { useApiserver } from "../cluster.js";

const cluster = useApiserver();
const nodes = findResource("", "nodes")!;
const ARGS = ["--controllers", "node-ipam", "--leader-elect", "false"];

let client: ApiClient;
let manager: ServiceProcess | undefined;

beforeAll(async () => {
  client = new ApiClient(cluster.apiserver.grpcAddress);
  manager = await startControllerManager({ apiserver: cluster.apiserver.grpcAddress, args: ARGS });
});

afterAll(async () => {
  await manager?.stop();
  client?.close();
});

async function createNode(name: string, podCIDR?: string): Promise<void> {
  await client.create<Node>(nodes, undefined, {
    metadata: { name },
    spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
  });
}

/** The Node's podCIDR once the controller has written it. */
async function podCidr(name: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const node = await client.get<Node>(nodes, undefined, name);
    const cidr = node.spec?.podCIDR;
    if (cidr) {
      expect(node.spec?.podCIDRs).toEqual([cidr]);
      return cidr;
    }
    if (Date.now() > deadline) throw new Error(`node ${name} got no podCIDR in ${timeoutMs} ms`);
    await sleep(50);
  }
}

const IN_CLUSTER_RANGE = /^100\.64\.(\d+)\.0\/24$/;

describe("node IPAM", () => {
  it("gives Nodes distinct /24s, reuses a deleted Node's range, and survives a restart", async () => {
    await Promise.all(["a", "b", "c"].map((n) => createNode(n)));
    const first = await Promise.all(["a", "b", "c"].map((n) => podCidr(n)));
    for (const cidr of first) expect(cidr).toMatch(IN_CLUSTER_RANGE);
    expect(new Set(first).size).toBe(3);
    const [a, b, c] = first as [string, string, string];

    // b's range goes back into the pool and is the next one handed out.
    await client.delete(nodes, undefined, "b");
    await createNode("d");
    const d = await podCidr("d");
    expect(d).toBe(b);

    // A Node registered with a range keeps it, and that range is marked used.
    const used = new Set([a, c, d]);
    const preset = ["100.64.3.0/24", "100.64.4.0/24", "100.64.5.0/24"].find((r) => !used.has(r))!;
    await createNode("preset", preset);

    // A new controller-manager rebuilds what is used from the Nodes: nothing is handed out twice.
    await manager?.stop();
    manager = undefined;
    await createNode("e");
    manager = await startControllerManager({ apiserver: cluster.apiserver.grpcAddress, args: ARGS });
    const e = await podCidr("e");
    expect(e).toMatch(IN_CLUSTER_RANGE);
    expect([a, c, d, preset]).not.toContain(e);
    expect(await Promise.all(["a", "c", "d", "preset"].map((n) => podCidr(n)))).toEqual([a, c, d, preset]);
  });
});
