/**
 * Leader election through a coordination.k8s.io/v1 Lease, after client-go's
 * tools/leaderelection (leaderelection.go, resourcelock/leaselock.go).
 *
 * Candidates share one Lease. The holder rewrites `renewTime` every retry
 * period; the others read the Lease every (jittered) retry period and take it
 * over only after it has stayed unchanged for `leaseDurationSeconds`,
 * measured on their own clock from when they last saw it change. Remote
 * timestamps are never compared with the local clock, so skew between
 * machines does no harm (a skew *rate* does: see renewDeadlineMs). Every
 * write carries the resourceVersion it was based on, so of two candidates
 * racing for an expired Lease exactly one wins; the loser's 409 is not an
 * error.
 *
 * Like client-go, this does not fence: a leader that is paused longer than
 * the lease (GC, SIGSTOP) can act for a moment after a successor has started.
 * What it guarantees is that a leader which cannot renew stops acting (its
 * signal is aborted) before any candidate may take over.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { performance } from "node:perf_hooks";
import {
  findResource,
  MAX_HOLDER_IDENTITY_LENGTH,
  type Lease,
  type LeaseSpec,
  type ResourceInfo,
} from "@ktl/api";
import { isAlreadyExists, isConflict, isNotFound } from "@ktl/apimachinery";
import type { ApiClient } from "@ktl/client";

/** What the elector needs of the apiserver client; `ApiClient` provides it. */
export type LeaseClient = Pick<ApiClient, "get" | "create" | "update">;

/** What `Clock.setTimeout` returns; only meaningful to the same clock's `clearTimeout`. */
export type TimerHandle = unknown;

/**
 * Where the elector reads time and sets timers (the same shape as
 * @ktl/workqueue's Clock, so one fake clock drives both in tests). `now()` is
 * in milliseconds from an arbitrary origin and never goes back.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Structured logging; the services' JSON logger fits. */
export interface ElectionLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface LeaderElectorOptions {
  readonly client: LeaseClient;
  /** Namespace of the Lease; "kube-system" by default. */
  readonly namespace?: string;
  /** Name of the Lease, e.g. "kube-controller-manager". */
  readonly name: string;
  /** Unique per process; `<hostname>_<random UUID>` by default, so a restart is a new candidate. */
  readonly identity?: string;
  /** How long candidates wait without seeing the Lease change before taking it. 15 s by default. */
  readonly leaseDurationMs?: number;
  /**
   * How long the leader keeps acting without a successful renewal. 10 s by
   * default. Must be below leaseDurationMs; their ratio is the clock-rate
   * difference between machines that is tolerated.
   */
  readonly renewDeadlineMs?: number;
  /** How often the leader renews and candidates retry. 2 s by default. */
  readonly retryPeriodMs?: number;
  /**
   * Called once leadership is acquired. Do the guarded work until `signal`
   * aborts, then stop promptly. A returned promise is awaited by release()
   * before it gives the Lease away; a rejection ends leadership and run().
   */
  readonly onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called once when leadership ends (lost, released, or run's signal aborted), after the signal. */
  readonly onStoppedLeading?: () => void;
  /** Called whenever a different holder is observed, including this elector; not for "no holder". */
  readonly onNewLeader?: (identity: string) => void;
  readonly clock?: Clock;
  /** Wall time in epoch milliseconds, for acquireTime/renewTime only (informational). */
  readonly wallClock?: () => number;
  /** In [0, 1), for the retry jitter. */
  readonly random?: () => number;
  readonly logger?: ElectionLogger;
}

const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Candidates wait retryPeriod × [1, JITTER_FACTOR) between attempts so they
 * drift apart. client-go waits up to 2.2×; 1.2× still de-synchronises a few
 * replicas and lets a released Lease change hands within about one period.
 */
const JITTER_FACTOR = 1.2;

/** The part of a LeaseSpec the election reads, with absent fields made explicit. */
interface ElectionRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaseTransitions: number;
}

type Attempt = "ok" | "heldByOther" | "failed";

/**
 * One candidate for one Lease. `run()` campaigns, leads and returns when
 * leadership ends; as in client-go it does not campaign again by itself (a
 * service exits and restarts as a fresh candidate). `release()` is for
 * graceful shutdown.
 */
export class LeaderElector {
  readonly identity: string;
  readonly namespace: string;
  readonly name: string;
  readonly #o: LeaderElectorOptions;
  readonly #leases: ResourceInfo;
  readonly #clock: Clock;
  readonly #leaseMs: number;
  readonly #deadlineMs: number;
  readonly #retryMs: number;
  /** The Lease as last read or written: the base (resourceVersion) of the next update. */
  #lease: Lease | undefined;
  #observed: ElectionRecord | undefined;
  #observedRaw = "";
  /** Local time at which #observed was first seen; the expiry is measured from here. */
  #observedAt = 0;
  #reportedLeader = "";
  #running: { readonly stop: AbortController; readonly done: Promise<void> } | undefined;
  #leading: AbortController | undefined;
  #work: Promise<void> | undefined;
  #workError: { readonly error: unknown } | undefined;

  constructor(options: LeaderElectorOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.namespace = options.namespace ?? "kube-system";
    this.name = options.name;
    this.identity = options.identity ?? `${hostname()}_${randomUUID()}`;
    this.#leaseMs = options.leaseDurationMs ?? 15_000;
    this.#deadlineMs = options.renewDeadlineMs ?? 10_000;
    this.#retryMs = options.retryPeriodMs ?? 2_000;
    if (!(this.#retryMs > 0)) throw new RangeError("retryPeriodMs must be greater than zero");
    if (!(this.#leaseMs > this.#deadlineMs)) {
      throw new RangeError("leaseDurationMs must be greater than renewDeadlineMs");
    }
    if (!(this.#deadlineMs > JITTER_FACTOR * this.#retryMs)) {
      throw new RangeError(`renewDeadlineMs must be greater than retryPeriodMs × ${JITTER_FACTOR}`);
    }
    if (this.name === "") throw new RangeError("the Lease name must not be empty");
    if (this.identity === "" || this.identity.length > MAX_HOLDER_IDENTITY_LENGTH) {
      throw new RangeError(`identity must have 1 to ${MAX_HOLDER_IDENTITY_LENGTH} characters`);
    }
    const leases = findResource("coordination.k8s.io", "leases");
    if (!leases) throw new Error("the coordination.k8s.io/v1 leases resource is not registered");
    this.#leases = leases;
  }

  /** Whether this elector is leading now (its onStartedLeading signal is live). */
  get isLeader(): boolean {
    return this.#leading !== undefined;
  }

  /** The holder last observed ("" for none): for logs and health checks. */
  get leader(): string {
    return this.#observed?.holderIdentity ?? "";
  }

  /**
   * Campaigns until elected, calls onStartedLeading, renews until leadership
   * is lost or `signal` aborts, then aborts the leading signal and calls
   * onStoppedLeading. Aborting `signal` does not give the Lease away (a
   * successor waits out the lease duration); use release() for that.
   * Rejects only if onStartedLeading fails.
   */
  async run(signal?: AbortSignal): Promise<void> {
    if (this.#running) throw new Error("LeaderElector.run: already running");
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    if (signal?.aborted) stop.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = this.#campaign(stop);
    this.#running = { stop, done };
    try {
      await done;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#running = undefined;
    }
    if (this.#workError) throw this.#workError.error;
  }

  /**
   * Graceful hand-over: stops run(), waits for the work onStartedLeading
   * started to finish, then, if this elector still holds the Lease, clears
   * holderIdentity and sets leaseDurationSeconds to 1 so a successor takes
   * over at its next retry. Resolves true when the Lease is not (or no
   * longer) held by this elector.
   */
  async release(): Promise<boolean> {
    const running = this.#running;
    if (running) {
      running.stop.abort();
      await running.done.catch(() => undefined);
    }
    // The work must have stopped before anyone else may start it.
    await this.#work;
    for (let attempt = 0; attempt < 3; attempt++) {
      const lease = this.#lease;
      if (!lease || this.#observed?.holderIdentity !== this.identity) return true;
      const now = microTime(this.#wallNow());
      const spec: LeaseSpec = {
        holderIdentity: "",
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: this.#observed.leaseTransitions,
      };
      try {
        this.#observe(await this.#call((c) => c.update<Lease>(this.#leases, { ...lease, spec })));
        this.#log("info", "released lease");
        return true;
      } catch (err) {
        // A late renewal of ours or a successor's write: look again.
        if (!isConflict(err)) {
          this.#log("warn", "failed to release lease", err);
          return false;
        }
        try {
          this.#observe(await this.#call((c) => c.get<Lease>(this.#leases, this.namespace, this.name)));
        } catch (getErr) {
          if (isNotFound(getErr)) return true;
          this.#log("warn", "failed to release lease", getErr);
          return false;
        }
      }
    }
    return false;
  }

  async #campaign(stopper: AbortController): Promise<void> {
    const stop = stopper.signal;
    this.#workError = undefined;
    this.#log("info", "attempting to acquire leader lease");
    let acquiredAt: number;
    for (;;) {
      if (stop.aborted) return;
      const started = this.#clock.now();
      const result = await this.#tryAcquireOrRenew(started + this.#deadlineMs, stop);
      this.#reportTransition();
      if (result === "ok" && !stop.aborted) {
        acquiredAt = started;
        break;
      }
      await this.#sleep(this.#retryMs * (1 + (this.#o.random ?? Math.random)() * (JITTER_FACTOR - 1)), stop);
    }
    this.#log("info", "successfully acquired lease");
    this.#startLeading(stopper);
    try {
      await this.#renew(acquiredAt, stop);
    } finally {
      this.#stopLeading();
    }
  }

  /**
   * Renews every retry period. The leader stops acting once renewDeadline has
   * passed since the start of its last successful write: candidates count
   * leaseDuration (> renewDeadline) from when they saw that write, which is
   * later still.
   */
  async #renew(lastRenewAt: number, stop: AbortSignal): Promise<void> {
    let deadline = lastRenewAt + this.#deadlineMs;
    await this.#sleep(this.#retryMs, stop);
    while (!stop.aborted) {
      const remaining = deadline - this.#clock.now();
      if (remaining <= 0) {
        this.#log("warn", "failed to renew lease within the renew deadline");
        return;
      }
      const started = this.#clock.now();
      const result = await this.#tryAcquireOrRenew(deadline, stop);
      this.#reportTransition();
      if (stop.aborted) return;
      if (result === "heldByOther") {
        this.#log("warn", `lease taken over by ${this.leader}`);
        return;
      }
      if (result === "ok") deadline = started + this.#deadlineMs;
      await this.#sleep(Math.min(this.#retryMs, deadline - this.#clock.now()), stop);
    }
  }

  /** One round of client-go's tryAcquireOrRenew, over by `deadline` (clock time) whatever the apiserver does. */
  async #tryAcquireOrRenew(deadline: number, stop: AbortSignal): Promise<Attempt> {
    const call = <T>(op: (c: LeaseClient) => Promise<T>): Promise<T> =>
      this.#call(op, deadline - this.#clock.now(), stop);
    const now = this.#clock.now();
    const wall = microTime(this.#wallNow());
    const desired = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.#leaseMs / 1000),
      acquireTime: wall,
      renewTime: wall,
      leaseTransitions: 0,
    };
    const observed = this.#observed;
    const lease = this.#lease;
    // Fast path: the leader writes over the Lease it wrote last, without a read.
    if (lease && observed?.holderIdentity === this.identity && this.#isValid(now)) {
      const spec = {
        ...desired,
        acquireTime: observed.acquireTime,
        leaseTransitions: observed.leaseTransitions,
      };
      try {
        this.#observe(await call((c) => c.update<Lease>(this.#leases, { ...lease, spec })));
        return "ok";
      } catch {
        // Fall back to reading the Lease.
      }
    }
    let current: Lease;
    try {
      current = await call((c) => c.get<Lease>(this.#leases, this.namespace, this.name));
    } catch (err) {
      if (!isNotFound(err)) return this.#failed("error retrieving lease", err);
      try {
        const metadata = { name: this.name, namespace: this.namespace };
        this.#observe(
          await call((c) => c.create<Lease>(this.#leases, this.namespace, { metadata, spec: desired })),
        );
        return "ok";
      } catch (createErr) {
        return this.#failed("error creating lease", createErr);
      }
    }
    const record = this.#observe(current);
    if (record.holderIdentity !== "" && record.holderIdentity !== this.identity && this.#isValid(now)) {
      return "heldByOther";
    }
    const spec =
      record.holderIdentity === this.identity
        ? { ...desired, acquireTime: record.acquireTime, leaseTransitions: record.leaseTransitions }
        : { ...desired, leaseTransitions: record.leaseTransitions + 1 };
    try {
      this.#observe(await call((c) => c.update<Lease>(this.#leases, { ...current, spec })));
      return "ok";
    } catch (err) {
      return this.#failed("error updating lease", err);
    }
  }

  /** A 409 means another candidate wrote first: the normal outcome of a race, not worth a warning. */
  #failed(msg: string, err: unknown): Attempt {
    if (!isConflict(err) && !isAlreadyExists(err)) {
      this.#log("warn", msg, err);
    }
    return "failed";
  }

  /** Records a Lease read or written; restarts the expiry clock only when the record changed. */
  #observe(lease: Lease): ElectionRecord {
    this.#lease = lease;
    const spec = lease.spec ?? {};
    const record: ElectionRecord = {
      holderIdentity: spec.holderIdentity ?? "",
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      acquireTime: spec.acquireTime ?? "",
      renewTime: spec.renewTime ?? "",
      leaseTransitions: spec.leaseTransitions ?? 0,
    };
    const raw = JSON.stringify(record);
    if (raw !== this.#observedRaw) {
      this.#observed = record;
      this.#observedRaw = raw;
      this.#observedAt = this.#clock.now();
    }
    return this.#observed ?? record;
  }

  #isValid(now: number): boolean {
    return this.#observedAt + (this.#observed?.leaseDurationSeconds ?? 0) * 1000 > now;
  }

  #reportTransition(): void {
    const holder = this.leader;
    if (holder === this.#reportedLeader) return;
    this.#reportedLeader = holder;
    if (holder !== "") this.#callback(() => this.#o.onNewLeader?.(holder));
  }

  #startLeading(stop: AbortController): void {
    const leading = new AbortController();
    this.#leading = leading;
    // Asynchronous, as client-go's goroutine: a synchronous throw is a rejection too.
    this.#work = Promise.resolve()
      .then(() => this.#o.onStartedLeading(leading.signal))
      .then(
        () => undefined,
        (error: unknown) => {
          this.#workError = { error };
          this.#log("warn", "leader work failed; stepping down", error);
          stop.abort();
        },
      );
  }

  #stopLeading(): void {
    const leading = this.#leading;
    if (!leading) return;
    this.#leading = undefined;
    leading.abort();
    this.#log("info", "stopped leading");
    this.#callback(() => this.#o.onStoppedLeading?.());
  }

  #callback(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log("warn", "leader election callback threw", err);
    }
  }

  /**
   * An API call bounded by `timeoutMs` and `stop`. ApiClient takes no
   * deadline, so a call that times out is abandoned, not cancelled; if it
   * lands later it only makes the Lease look held for longer, which is safe.
   */
  #call<T>(op: (c: LeaseClient) => Promise<T>, timeoutMs = this.#deadlineMs, stop?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = (): void => {
        this.#clock.clearTimeout(timer);
        stop?.removeEventListener("abort", onAbort);
      };
      const timeOut = (): void => {
        finish();
        reject(new Error(`lease ${this.namespace}/${this.name}: no answer within ${timeoutMs} ms`));
      };
      const timer = this.#clock.setTimeout(timeOut, timeoutMs);
      const onAbort = (): void => {
        finish();
        reject(new Error("stopped"));
      };
      if (stop?.aborted) return onAbort();
      if (timeoutMs <= 0) return timeOut();
      stop?.addEventListener("abort", onAbort, { once: true });
      op(this.#o.client).then(
        (value) => {
          finish();
          resolve(value);
        },
        (err: unknown) => {
          finish();
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  /** Resolves after `ms`, or at once when `stop` aborts. */
  #sleep(ms: number, stop: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (stop.aborted) return resolve();
      const done = (): void => {
        this.#clock.clearTimeout(timer);
        stop.removeEventListener("abort", done);
        resolve();
      };
      const timer = this.#clock.setTimeout(done, ms);
      stop.addEventListener("abort", done, { once: true });
    });
  }

  #wallNow(): number {
    return (this.#o.wallClock ?? Date.now)();
  }

  #log(level: "info" | "warn", msg: string, err?: unknown): void {
    const fields = { lease: `${this.namespace}/${this.name}`, identity: this.identity };
    this.#o.logger?.[level](
      msg,
      err === undefined ? fields : { ...fields, error: err instanceof Error ? err.message : err },
    );
  }
}

/** Kubernetes' MicroTime in JSON: RFC 3339 in UTC with six fractional digits. */
export function microTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 23)}000Z`;
}
