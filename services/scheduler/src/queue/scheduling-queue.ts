/**
 * The scheduling queue, after Kubernetes' internal/queue/scheduling_queue.go:
 *
 * - activeQ: pods to try now, highest `spec.priority` first, then oldest;
 * - backoffQ: pods that failed recently, each waiting its own exponential
 *   back-off (1 s doubling to 10 s by attempt) before going back to activeQ;
 * - unschedulable: pods that fit nowhere, parked until a cluster event that
 *   could help (`moveAllToActiveOrBackoff`) or, as a safety net, for
 *   `unschedulableMaxMs` (30 s here: Kubernetes' 5 min is an eternity for
 *   tests and a lost event should not strand a pod that long).
 *
 * A failed pod whose scheduling cycle started before the latest move event
 * goes to backoffQ, not unschedulable: the event may have been the one that
 * makes it fit, and it happened while the pod was out of the queue
 * (Kubernetes' moveRequestCycle).
 *
 * One consumer pops; producers are the informer handlers. Everything runs on
 * the event loop, so no locking is needed; `pop` just waits for a push.
 */
import type { Pod } from "@ktl/api";
import { podKey } from "../cache/cache.js";
import { Heap } from "./heap.js";

export const INITIAL_BACKOFF_MS = 1_000;
export const MAX_BACKOFF_MS = 10_000;
export const UNSCHEDULABLE_MAX_MS = 30_000;

export interface QueuedPodInfo {
  pod: Pod;
  readonly key: string;
  /** When the pod first entered the queue (ordering tie-break when it has no creationTimestamp). */
  readonly initialAttemptAt: number;
  /** When the pod last entered a sub-queue. */
  timestamp: number;
  attempts: number;
  /** The scheduling cycle in which the pod was last popped. */
  cycle: number;
  unschedulablePlugins: readonly string[];
}

export interface QueueOptions {
  readonly now?: () => number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly unschedulableMaxMs?: number;
}

function priority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

// The heap compares on every push and pop: parse each pod's timestamp once.
const creationTimes = new WeakMap<Pod, number>();

function createdAt(info: QueuedPodInfo): number {
  let parsed = creationTimes.get(info.pod);
  if (parsed === undefined) {
    const ts = info.pod.metadata?.creationTimestamp;
    parsed = ts ? Date.parse(ts) : NaN;
    creationTimes.set(info.pod, parsed);
  }
  return Number.isNaN(parsed) ? info.initialAttemptAt : parsed;
}

export class SchedulingQueue {
  private readonly now: () => number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly unschedulableMaxMs: number;
  /** Heap entries are checked against `active` on pop (lazy deletion). */
  private readonly activeHeap = new Heap<QueuedPodInfo>(
    (a, b) =>
      priority(b.pod) < priority(a.pod) ||
      (priority(a.pod) === priority(b.pod) && createdAt(a) < createdAt(b)),
  );
  private readonly active = new Map<string, QueuedPodInfo>();
  private readonly backoff = new Map<string, QueuedPodInfo>();
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  /** Popped and being scheduled. */
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private waiter: (() => void) | undefined;
  private closed = false;

  constructor(options: QueueOptions = {}) {
    this.now = options.now ?? Date.now;
    this.initialBackoffMs = options.initialBackoffMs ?? INITIAL_BACKOFF_MS;
    this.maxBackoffMs = options.maxBackoffMs ?? MAX_BACKOFF_MS;
    this.unschedulableMaxMs = options.unschedulableMaxMs ?? UNSCHEDULABLE_MAX_MS;
  }

  /** A new pending pod (informer add). Ignored if the queue already holds it. */
  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.has(key)) {
      this.update(pod);
      return;
    }
    const now = this.now();
    this.pushActive({
      pod,
      key,
      initialAttemptAt: now,
      timestamp: now,
      attempts: 0,
      cycle: 0,
      unschedulablePlugins: [],
    });
  }

  /**
   * The pod changed. In activeQ/backoffQ the object is replaced. A parked
   * unschedulable pod whose spec or labels changed may now fit, so it moves
   * on; a status-only change (e.g. our own PodScheduled condition) leaves it
   * parked.
   */
  update(pod: Pod): void {
    const key = podKey(pod);
    const active = this.active.get(key);
    if (active) {
      active.pod = pod;
      return;
    }
    const backoff = this.backoff.get(key);
    if (backoff) {
      backoff.pod = pod;
      return;
    }
    const inFlight = this.inFlight.get(key);
    if (inFlight) {
      inFlight.pod = pod;
      return;
    }
    const parked = this.unschedulable.get(key);
    if (parked) {
      const old = parked.pod;
      parked.pod = pod;
      if (
        JSON.stringify(old.spec) !== JSON.stringify(pod.spec) ||
        JSON.stringify(old.metadata?.labels) !== JSON.stringify(pod.metadata?.labels)
      ) {
        this.unschedulable.delete(key);
        this.requeue(parked);
      }
      return;
    }
    this.add(pod);
  }

  delete(pod: Pod): void {
    const key = podKey(pod);
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
  }

  /** Waits for a pod in activeQ; undefined once closed or `signal` aborts. */
  async pop(signal?: AbortSignal): Promise<QueuedPodInfo | undefined> {
    for (;;) {
      if (this.closed || signal?.aborted) return undefined;
      const info = this.tryPop();
      if (info) return info;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal?.removeEventListener("abort", done);
          this.waiter = undefined;
          resolve();
        };
        this.waiter = done;
        signal?.addEventListener("abort", done, { once: true });
      });
    }
  }

  /** The next pod in activeQ without waiting. */
  tryPop(): QueuedPodInfo | undefined {
    for (;;) {
      const info = this.activeHeap.pop();
      if (!info) return undefined;
      if (this.active.get(info.key) !== info) continue;
      this.active.delete(info.key);
      info.attempts++;
      info.cycle = ++this.schedulingCycle;
      this.inFlight.set(info.key, info);
      return info;
    }
  }

  /** The popped pod was bound (or dropped): forget it. */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * The popped pod could not be scheduled: it is parked as unschedulable,
   * or put in backoffQ if a move event happened during its cycle or the
   * failure was an error rather than a misfit.
   */
  addUnschedulable(
    info: QueuedPodInfo,
    options: { error?: boolean; plugins?: readonly string[] } = {},
  ): void {
    if (this.inFlight.get(info.key) !== info) return; // deleted meanwhile
    this.inFlight.delete(info.key);
    info.timestamp = this.now();
    info.unschedulablePlugins = options.plugins ?? [];
    if (options.error || this.moveRequestCycle >= info.cycle) this.backoff.set(info.key, info);
    else this.unschedulable.set(info.key, info);
  }

  /**
   * Something changed that could make parked pods fit (node added or changed,
   * pod deleted or terminated): every unschedulable pod goes to backoffQ if
   * still backing off, else to activeQ.
   */
  moveAllToActiveOrBackoff(): void {
    this.moveRequestCycle = this.schedulingCycle;
    const parked = [...this.unschedulable.values()];
    this.unschedulable.clear();
    for (const info of parked) this.requeue(info);
  }

  /** Moves back-off-completed pods to activeQ (called every second). */
  flushBackoffCompleted(): void {
    const now = this.now();
    for (const [key, info] of this.backoff) {
      if (this.backoffExpiry(info) <= now) {
        this.backoff.delete(key);
        this.pushActive(info);
      }
    }
  }

  /** Moves pods parked longer than `unschedulableMaxMs` back (called periodically). */
  flushUnschedulableLeftover(): void {
    const now = this.now();
    for (const [key, info] of this.unschedulable) {
      if (now - info.timestamp >= this.unschedulableMaxMs) {
        this.unschedulable.delete(key);
        this.requeue(info);
      }
    }
  }

  /** Runs the periodic flushes until `signal` aborts. */
  async run(signal: AbortSignal, sleep: (ms: number, signal: AbortSignal) => Promise<void>): Promise<void> {
    let ticks = 0;
    while (!signal.aborted) {
      await sleep(1_000, signal);
      if (signal.aborted) break;
      this.flushBackoffCompleted();
      if (++ticks % 5 === 0) this.flushUnschedulableLeftover();
    }
  }

  backoffDuration(info: QueuedPodInfo): number {
    const exp = Math.max(0, info.attempts - 1);
    return Math.min(this.initialBackoffMs * 2 ** Math.min(exp, 30), this.maxBackoffMs);
  }

  close(): void {
    this.closed = true;
    this.waiter?.();
  }

  has(key: string): boolean {
    return (
      this.active.has(key) || this.backoff.has(key) || this.unschedulable.has(key) || this.inFlight.has(key)
    );
  }

  /** Sizes of the sub-queues, for metrics and tests. */
  lengths(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return {
      active: this.active.size,
      backoff: this.backoff.size,
      unschedulable: this.unschedulable.size,
      inFlight: this.inFlight.size,
    };
  }

  where(key: string): "active" | "backoff" | "unschedulable" | "inFlight" | undefined {
    if (this.active.has(key)) return "active";
    if (this.backoff.has(key)) return "backoff";
    if (this.unschedulable.has(key)) return "unschedulable";
    if (this.inFlight.has(key)) return "inFlight";
    return undefined;
  }

  private backoffExpiry(info: QueuedPodInfo): number {
    return info.timestamp + this.backoffDuration(info);
  }

  private requeue(info: QueuedPodInfo): void {
    if (info.attempts > 0 && this.backoffExpiry(info) > this.now()) this.backoff.set(info.key, info);
    else this.pushActive(info);
  }

  private pushActive(info: QueuedPodInfo): void {
    info.timestamp = this.now();
    this.active.set(info.key, info);
    this.activeHeap.push(info);
    this.waiter?.();
  }
}
