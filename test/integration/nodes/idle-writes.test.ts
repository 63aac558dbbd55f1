/**
 * Idle nodes and etcd: with heartbeats on NATS, N idle hollow nodes cause no
 * etcd writes at all, however large N is; with heartbeats through the
 * apiserver (no NATS) they cause about N per report interval. Measured two
 * ways over the same window: the kubelet's own status write counter, and the
 * etcd revision (every write in the cluster bumps it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startApiserver,
  startControllerManager,
  startEtcd,
  startKubelet,
  startNats,
  type ApiserverProcess,
  type EtcdServer,
  type NatsServer,
  type ServiceProcess,
} from "@ktl/testing";

const WINDOW_MS = 6_000;
const REPORT_S = 2;

let nats: NatsServer;
let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let manager: ServiceProcess;

beforeAll(async () => {
  nats = await startNats();
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint });
  // Node IPAM only: hollow nodes start fast once they have a podCIDR, and nothing judges the nodes.
  manager = await startControllerManager({
    apiserver: apiserver.grpcAddress,
    args: ["--controllers", "node-ipam", "--leader-elect", "false"],
  });
});

afterAll(async () => {
  await manager?.stop();
  await apiserver?.stop();
  await etcd?.stop();
  await nats?.stop();
});

/** etcd's current revision, through its JSON gateway. */
async function etcdRevision(): Promise<number> {
  const res = await fetch(`${etcd.endpoint}/v3/kv/range`, {
    method: "POST",
    body: JSON.stringify({ key: Buffer.from("/ktl-probe").toString("base64") }),
  });
  const body = (await res.json()) as { header: { revision: string } };
  return Number(body.header.revision);
}

async function statusWrites(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const reason of ["changed", "heartbeat"]) {
    const line = text
      .split("\n")
      .find((l) => l.startsWith(`kubelet_node_status_writes_total{reason="${reason}"} `));
    sum += Number(line?.split(" ")[1] ?? NaN);
  }
  return sum;
}

/** Starts N idle hollow nodes, lets them settle, and counts writes over the window. */
async function idleWrites(n: number, withNats: boolean): Promise<{ kubelet: number; etcd: number }> {
  const kubelet = await startKubelet({
    apiserver: apiserver.grpcAddress,
    nodeName: `idle-${withNats ? "nats" : "api"}-${n}`,
    runtime: "fake",
    timeoutMs: 120_000,
    args: [
      ...["--hollow-nodes", String(n), "--node-status-report-seconds", String(REPORT_S)],
      ...["--node-status-update-seconds", "1"],
      ...(withNats ? ["--nats-servers", nats.url, "--heartbeat-seconds", "1"] : []),
    ],
  });
  try {
    // Past the first reports (the podCIDR arriving is a change).
    await new Promise((r) => setTimeout(r, 3_000));
    const [k0, e0] = [await statusWrites(kubelet.port), await etcdRevision()];
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const [k1, e1] = [await statusWrites(kubelet.port), await etcdRevision()];
    return { kubelet: k1 - k0, etcd: e1 - e0 };
  } finally {
    await kubelet.stop();
  }
}

describe("etcd writes of idle nodes", () => {
  it("stay at zero with NATS heartbeats as N grows, and grow with N without", async () => {
    const results: Record<string, { kubelet: number; etcd: number }> = {};
    for (const n of [10, 100]) {
      results[`nats-${n}`] = await idleWrites(n, true);
      results[`api-${n}`] = await idleWrites(n, false);
    }
    console.log("idle writes over", WINDOW_MS / 1000, "s:", JSON.stringify(results));
    expect(results["nats-10"]).toEqual({ kubelet: 0, etcd: 0 });
    expect(results["nats-100"]).toEqual({ kubelet: 0, etcd: 0 });
    // Without NATS: about N per report interval (the window holds WINDOW/REPORT of them).
    for (const n of [10, 100]) {
      const expected = (n * WINDOW_MS) / (REPORT_S * 1000);
      const r = results[`api-${n}`];
      expect(r?.kubelet).toBeGreaterThan(expected * 0.6);
      expect(r?.kubelet).toBeLessThan(expected * 1.5);
      // Each of those writes is an etcd write; the two counters are read a moment
      // apart at each end of the window, so a write may fall on either side.
      expect(r?.etcd).toBeGreaterThanOrEqual((r?.kubelet ?? Infinity) * 0.9);
    }
  }, 240_000);
});
