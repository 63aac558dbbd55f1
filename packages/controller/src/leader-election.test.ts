import { describe, expect, it } from "vitest";
import type { Lease, ResourceInfo } from "@ktl/api";
import { alreadyExists, conflict, notFound, serviceUnavailable } from "@ktl/apimachinery";
import type { ApiObject } from "@ktl/client";
import {
  LeaderElector,
  microTime,
  type Clock,
  type LeaderElectorOptions,
  type LeaseClient,
} from "./index.js";

/** Lets every pending promise chain run (the fake client answers in microtasks). */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** Time moves only in advance(), which fires due timers in order and lets async code run after each. */
class FakeClock implements Clock {
  #now = 0;
  #seq = 0;
  readonly #timers = new Set<Timer>();
  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.add(timer);
    return timer;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as Timer);
  }
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flush();
    for (;;) {
      const next = [...this.#timers]
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.#timers.delete(next);
      this.#now = next.at;
      next.fn();
      await flush();
    }
    this.#now = target;
    await flush();
  }
  /** Advances in small steps until `cond` holds; returns the time it took. */
  async until(cond: () => boolean, limitMs: number, stepMs = 10): Promise<number> {
    const start = this.#now;
    while (!cond()) {
      if (this.#now - start > limitMs) throw new Error(`condition not met within ${limitMs} ms`);
      await this.advance(stepMs);
    }
    return this.#now - start;
  }
}

const LEASES_GR = { group: "coordination.k8s.io", resource: "leases" };

/** The apiserver's storage contract in memory: create-if-absent, update only at the current resourceVersion. */
class FakeStore {
  readonly objects = new Map<string, Lease>();
  readonly writes: { verb: string; by: string; at: number; spec: Lease["spec"] }[] = [];
  #rv = 1;
  constructor(private readonly clock: FakeClock) {}

  client(who: string): FakeClient {
    return new FakeClient(this, who);
  }

  get(ns: string | undefined, name: string): Lease {
    const obj = this.objects.get(`${ns}/${name}`);
    if (!obj) throw notFound(LEASES_GR, name);
    return structuredClone(obj);
  }

  create(who: string, ns: string | undefined, obj: Lease): Lease {
    const key = `${ns}/${obj.metadata?.name}`;
    if (this.objects.has(key)) throw alreadyExists(LEASES_GR, obj.metadata?.name ?? "");
    return this.#store("create", who, key, { ...obj, metadata: { ...obj.metadata, namespace: ns } });
  }

  update(who: string, obj: Lease): Lease {
    const name = obj.metadata?.name ?? "";
    const key = `${obj.metadata?.namespace}/${name}`;
    const current = this.objects.get(key);
    if (!current) throw notFound(LEASES_GR, name);
    if (current.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
      throw conflict(
        LEASES_GR,
        name,
        "the object has been modified; please apply your changes to the latest version and try again",
      );
    }
    return this.#store("update", who, key, obj);
  }

  #store(verb: string, who: string, key: string, obj: Lease): Lease {
    const stored = structuredClone({
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: String(++this.#rv) },
    });
    this.objects.set(key, stored);
    this.writes.push({ verb, by: who, at: this.clock.now(), spec: stored.spec });
    return structuredClone(stored);
  }
}

/** One elector's connection: it can lose the apiserver ("fail": 503 at once, "hang": no answer). */
class FakeClient implements LeaseClient {
  mode: "up" | "fail" | "hang" = "up";
  constructor(
    private readonly store: FakeStore,
    private readonly who: string,
  ) {}
  #do<T>(fn: () => T): Promise<T> {
    if (this.mode === "hang") return new Promise<T>(() => undefined);
    if (this.mode === "fail") return Promise.reject(serviceUnavailable("the apiserver is unreachable"));
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
  get<T extends ApiObject>(_info: ResourceInfo, ns: string | undefined, name: string): Promise<T> {
    return this.#do(() => this.store.get(ns, name) as T);
  }
  create<T extends ApiObject>(_info: ResourceInfo, ns: string | undefined, obj: T): Promise<T> {
    return this.#do(() => this.store.create(this.who, ns, obj as Lease) as T);
  }
  update<T extends ApiObject>(_info: ResourceInfo, obj: T): Promise<T> {
    return this.#do(() => this.store.update(this.who, obj as Lease) as T);
  }
}

const LEASE_MS = 15_000;
const DEADLINE_MS = 10_000;
const RETRY_MS = 2_000;

interface Candidate {
  readonly elector: LeaderElector;
  readonly client: FakeClient;
  readonly stop: AbortController;
  readonly done: Promise<void>;
  readonly events: string[];
  /** The signal of the current term, if leading. */
  signal?: AbortSignal;
}

function setup(): {
  clock: FakeClock;
  store: FakeStore;
  events: string[];
  start: (id: string, extra?: Partial<LeaderElectorOptions>) => Candidate;
} {
  const clock = new FakeClock();
  const store = new FakeStore(clock);
  const events: string[] = [];
  let seed = 0;
  const start = (id: string, extra: Partial<LeaderElectorOptions> = {}): Candidate => {
    const client = store.client(id);
    const own: string[] = [];
    const log = (e: string): void => {
      own.push(e);
      events.push(`${clock.now()} ${id} ${e}`);
    };
    const candidate: Partial<Candidate> & { events: string[] } = { events: own };
    const elector = new LeaderElector({
      client,
      name: "kube-controller-manager",
      identity: id,
      leaseDurationMs: LEASE_MS,
      renewDeadlineMs: DEADLINE_MS,
      retryPeriodMs: RETRY_MS,
      clock,
      wallClock: () => Date.UTC(2024, 0, 1) + clock.now(),
      random: () => (seed = (seed * 9301 + 49297) % 233280) / 233280,
      onStartedLeading: (signal) => {
        candidate.signal = signal;
        log("started");
      },
      onStoppedLeading: () => log("stopped"),
      onNewLeader: (leader) => log(`leader=${leader}`),
      logger: { info: () => undefined, warn: (msg) => log(`warn: ${msg}`) },
      ...extra,
    });
    const stop = new AbortController();
    Object.assign(candidate, { elector, client, stop, done: elector.run(stop.signal) });
    return candidate as Candidate;
  };
  return { clock, store, events, start };
}

const holder = (store: FakeStore): string | undefined =>
  store.objects.get("kube-system/kube-controller-manager")?.spec?.holderIdentity;

describe("LeaderElector", () => {
  it("elects exactly one of two candidates, and conflicts are not errors", async () => {
    const { clock, store, start } = setup();
    const a = start("a");
    const b = start("b");
    await clock.advance(0);
    expect([a.elector.isLeader, b.elector.isLeader].filter(Boolean)).toHaveLength(1);
    const [leader, follower] = a.elector.isLeader ? [a, b] : [b, a];

    await clock.advance(60_000);
    expect(leader.elector.isLeader).toBe(true);
    expect(follower.elector.isLeader).toBe(false);
    expect(leader.events).toEqual([`leader=${leader.elector.identity}`, "started"]);
    expect(follower.events).toEqual([`leader=${leader.elector.identity}`]);
    expect(follower.elector.leader).toBe(leader.elector.identity);

    const lease = store.objects.get("kube-system/kube-controller-manager");
    expect(lease?.spec).toMatchObject({
      holderIdentity: leader.elector.identity,
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
      acquireTime: microTime(Date.UTC(2024, 0, 1)),
      renewTime: microTime(Date.UTC(2024, 0, 1) + 60_000),
    });
    expect(lease?.spec?.renewTime).toBe("2024-01-01T00:01:00.000000Z");
    // Renewed every retry period, only by the leader.
    expect(new Set(store.writes.map((w) => w.by))).toEqual(new Set([leader.elector.identity]));
    expect(store.writes.length).toBe(1 + 60_000 / RETRY_MS);
  });

  it.each(["fail", "hang"] as const)(
    "steps down when it cannot renew within the renew deadline (apiserver calls %s)",
    async (mode) => {
      const { clock, store, events, start } = setup();
      const a = start("a");
      await clock.advance(0);
      const b = start("b");
      await clock.advance(10_000);
      expect(a.elector.isLeader).toBe(true);

      const lostAt = clock.now();
      a.client.mode = mode;
      // Still within the deadline of its last renewal (at most one retry period ago).
      await clock.advance(DEADLINE_MS - RETRY_MS - 1);
      expect(a.signal?.aborted).toBe(false);
      await clock.until(() => a.signal?.aborted === true, DEADLINE_MS);
      const at = (who: string): number => Number(events.find((e) => e.endsWith(who))?.split(" ")[0]);
      expect(at("a stopped") - lostAt).toBeLessThanOrEqual(DEADLINE_MS);
      await a.done; // run() returns once leadership is lost
      expect(a.events.slice(-1)).toEqual(["stopped"]);

      // b takes over only after the lease duration, well after a has stopped.
      await clock.until(() => b.elector.isLeader, 2 * LEASE_MS);
      expect(at("b started") - at("a stopped")).toBeGreaterThan(LEASE_MS - DEADLINE_MS - RETRY_MS);
      expect(at("b started") - lostAt).toBeGreaterThanOrEqual(LEASE_MS - RETRY_MS);
      expect(holder(store)).toBe("b");
      expect(store.objects.get("kube-system/kube-controller-manager")?.spec?.leaseTransitions).toBe(1);
    },
  );

  it("steps down at once when it sees another holder", async () => {
    const { clock, store, start } = setup();
    const a = start("a");
    await clock.advance(RETRY_MS / 2);
    // Someone (an operator, a partitioned peer) rewrites the lease.
    const lease = store.get("kube-system", "kube-controller-manager");
    store.update("x", { ...lease, spec: { ...lease.spec, holderIdentity: "x" } });
    await clock.advance(RETRY_MS);
    expect(a.signal?.aborted).toBe(true);
    await a.done;
  });

  it("release hands over at the successor's next retry, after the work has finished", async () => {
    const { clock, store, start } = setup();
    let finishWork: () => void = () => undefined;
    const a = start("a", {
      onStartedLeading: (signal) => {
        a.signal = signal;
        return new Promise<void>((resolve) => (finishWork = resolve));
      },
    });
    await clock.advance(0);
    const b = start("b");
    await clock.advance(30_000);
    expect(a.elector.isLeader).toBe(true);

    const released = a.elector.release();
    await clock.advance(0);
    expect(a.signal?.aborted).toBe(true);
    // The work is still winding down: the lease stays a's.
    await clock.advance(100);
    expect(holder(store)).toBe("a");
    finishWork();
    expect(await released).toBe(true);
    expect(store.objects.get("kube-system/kube-controller-manager")?.spec).toMatchObject({
      holderIdentity: "",
      leaseDurationSeconds: 1,
    });
    await a.done;

    const tookMs = await clock.until(() => b.elector.isLeader, LEASE_MS);
    expect(tookMs).toBeLessThanOrEqual(1.2 * RETRY_MS);
    expect(store.objects.get("kube-system/kube-controller-manager")?.spec).toMatchObject({
      holderIdentity: "b",
      leaseTransitions: 1,
    });
    expect(b.events).toEqual(["leader=a", "leader=b", "started"]);
  });

  it("release is a no-op for a candidate that does not hold the lease", async () => {
    const { clock, store, start } = setup();
    const a = start("a");
    await clock.advance(0);
    const b = start("b");
    await clock.advance(RETRY_MS * 3);
    const writes = store.writes.length;
    expect(await b.elector.release()).toBe(true);
    await b.done;
    expect(store.writes.length).toBe(writes);
    expect(holder(store)).toBe("a");
    expect(a.elector.isLeader).toBe(true);
  });

  it("hands over after the lease duration when the leader dies without releasing", async () => {
    const { clock, store, start } = setup();
    const a = start("a");
    await clock.advance(0);
    const b = start("b");
    await clock.advance(20_000);
    const acquireTime = store.objects.get("kube-system/kube-controller-manager")?.spec?.acquireTime;

    const crashAt = clock.now();
    a.stop.abort(); // a crash: no release
    await a.done;
    expect(a.signal?.aborted).toBe(true);
    expect(holder(store)).toBe("a");

    // b counts the lease duration from when it last saw the lease change.
    await clock.advance(LEASE_MS - RETRY_MS - 1);
    expect(b.elector.isLeader).toBe(false);
    await clock.until(() => b.elector.isLeader, 2 * LEASE_MS);
    expect(clock.now() - crashAt).toBeLessThanOrEqual(LEASE_MS + 1.2 * RETRY_MS + 10);
    const spec = store.objects.get("kube-system/kube-controller-manager")?.spec;
    expect(spec).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
    expect(spec?.acquireTime).not.toBe(acquireTime);
  });

  it("does not trust the remote clock: a renewTime far in the past is still a live lease", async () => {
    const { clock, store, start } = setup();
    const ancient = microTime(Date.UTC(1999, 0, 1));
    store.create("x", "kube-system", {
      metadata: { name: "kube-controller-manager" },
      spec: { holderIdentity: "x", leaseDurationSeconds: 15, acquireTime: ancient, renewTime: ancient },
    });
    const b = start("b");
    await clock.advance(LEASE_MS - 1);
    expect(b.elector.isLeader).toBe(false);
    await clock.advance(1.2 * RETRY_MS + 1);
    expect(b.elector.isLeader).toBe(true);
  });

  it("rejects unsafe timings and bad identities", () => {
    const client = new FakeStore(new FakeClock()).client("a");
    const base = { client, name: "l", onStartedLeading: () => undefined };
    expect(() => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow(
      /leaseDurationMs must be greater than renewDeadlineMs/,
    );
    expect(() => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 })).toThrow(
      /renewDeadlineMs must be greater/,
    );
    expect(() => new LeaderElector({ ...base, identity: "x".repeat(254) })).toThrow(/identity/);
    expect(new LeaderElector(base).identity).toMatch(/^.+_[0-9a-f-]{36}$/);
  });
});
