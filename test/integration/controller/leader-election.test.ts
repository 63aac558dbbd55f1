import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Lease } from "@ktl/api";
import { ApiClient } from "@ktl/client";
import { LeaderElector } from "@ktl/controller";
import { startApiserver, startEtcd, type ApiserverProcess, type EtcdServer } from "@ktl/testing";

// Short timings so the whole file stays well under 20 s.
const LEASE_MS = 2_000;
const DEADLINE_MS = 1_500;
const RETRY_MS = 300;

let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let client: ApiClient;
const leases = findResource("coordination.k8s.io", "leases")!;

beforeAll(async () => {
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint });
  client = new ApiClient(apiserver.grpcAddress);
});

afterAll(async () => {
  for (const c of started) c.stop.abort();
  await Promise.allSettled(started.map((c) => c.done));
  client?.close();
  await apiserver?.stop();
  await etcd?.stop();
});

interface Candidate {
  readonly elector: LeaderElector;
  /** Aborting it stops the loop without releasing: a crash, as far as the Lease can tell. */
  readonly stop: AbortController;
  readonly done: Promise<void>;
  readonly seen: { signal?: AbortSignal; leaders: string[] };
}

const started: Candidate[] = [];

function candidate(name: string, id: string): Candidate {
  const seen: Candidate["seen"] = { leaders: [] };
  const elector = new LeaderElector({
    client,
    name,
    identity: `${id}_${randomUUID().slice(0, 8)}`,
    leaseDurationMs: LEASE_MS,
    renewDeadlineMs: DEADLINE_MS,
    retryPeriodMs: RETRY_MS,
    onStartedLeading: (signal) => {
      seen.signal = signal;
    },
    onNewLeader: (leader) => seen.leaders.push(leader),
  });
  const stop = new AbortController();
  const c = { elector, stop, done: elector.run(stop.signal), seen };
  started.push(c);
  return c;
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(10);
  }
  return performance.now() - start;
}

const leading = (cs: Candidate[]): Candidate[] => cs.filter((c) => c.elector.isLeader);

describe("leader election through the apiserver", () => {
  it("elects one leader, survives its crash, and hands over on release", async () => {
    const name = `le-${randomUUID().slice(0, 8)}`;
    // Never two leaders at once, sampled throughout.
    let mostAtOnce = 0;
    const sampler = setInterval(() => {
      mostAtOnce = Math.max(mostAtOnce, leading(started).length);
    }, 5);
    const a = candidate(name, "a");
    const b = candidate(name, "b");
    await waitFor(() => leading([a, b]).length > 0, 5_000);
    // Over several renewals, exactly one leads and the other never started.
    for (let i = 0; i < 10; i++) {
      expect(leading([a, b])).toHaveLength(1);
      await sleep(RETRY_MS / 2);
    }
    const [first] = leading([a, b]);
    const second = first === a ? b : a;
    expect(second.seen.signal).toBeUndefined();
    const lease = await client.get<Lease>(leases, "kube-system", name);
    expect(lease.spec).toMatchObject({
      holderIdentity: first!.elector.identity,
      leaseDurationSeconds: 2,
      leaseTransitions: 0,
    });
    expect(lease.spec?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // The same object through the REST front door (what kubectl shows).
    const rest = await fetch(
      `${apiserver.url}/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`,
    );
    expect(((await rest.json()) as Lease).spec?.holderIdentity).toBe(first!.elector.identity);

    // A crash: the loop stops without releasing, so the successor waits out the lease.
    const crashedAt = performance.now();
    first!.stop.abort();
    await first!.done;
    expect(first!.seen.signal?.aborted).toBe(true);
    await waitFor(() => second.elector.isLeader, 3 * LEASE_MS);
    const crashHandoverMs = performance.now() - crashedAt;
    expect(crashHandoverMs).toBeGreaterThan(LEASE_MS - 2 * RETRY_MS);
    expect(crashHandoverMs).toBeLessThan(LEASE_MS + 4 * RETRY_MS);

    // A restarted candidate joins; the leader shuts down gracefully.
    const c = candidate(name, "c");
    await waitFor(() => c.seen.leaders.includes(second.elector.identity), 2_000);
    const releasedAt = performance.now();
    expect(await second.elector.release()).toBe(true);
    await second.done;
    expect(second.seen.signal?.aborted).toBe(true);
    await waitFor(() => c.elector.isLeader, 2_000);
    // About one retry period (at most 1.2 with jitter), not a lease duration.
    expect(performance.now() - releasedAt).toBeLessThan(1.2 * RETRY_MS + 400);
    const after = await client.get<Lease>(leases, "kube-system", name);
    expect(after.spec).toMatchObject({ holderIdentity: c.elector.identity, leaseTransitions: 2 });

    expect(await c.elector.release()).toBe(true);
    await c.done;
    const released = await client.get<Lease>(leases, "kube-system", name);
    expect(released.spec).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1 });
    clearInterval(sampler);
    expect(mostAtOnce).toBe(1);
  });
});
