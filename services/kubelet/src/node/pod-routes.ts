/**
 * host-gw pod routes (`--pod-routes host-gw`): watches every Node and keeps
 * this machine's routes to the other machines' pod CIDRs in step through
 * @ktl/node-network's PodRouteSyncer. Changes are debounced (a burst of new
 * nodes is one sync), syncs never overlap, a failed sync is retried, and a
 * periodic sync repairs routes the kernel dropped (an interface going down
 * takes its routes with it). Stopping leaves the routes: pods keep talking
 * while the kubelet restarts.
 */
import type { Node } from "@ktl/api";
import {
  SharedInformer,
  finalState,
  listerWatcherFor,
  type DeepReadonly,
  type ListWatchClient,
  type ListerWatcher,
} from "@ktl/informers";
import { internalIpOf, type PodRouteSyncResult, type RoutableNode } from "@ktl/node-network";
import type { Logger } from "@ktl/service";
import { NODES } from "./register.js";

/** What the controller needs of PodRouteSyncer. */
export interface RouteSyncer {
  sync(nodes: Iterable<RoutableNode>): Promise<PodRouteSyncResult>;
}

export interface PodRoutesOptions {
  readonly client: ListWatchClient;
  readonly syncer: RouteSyncer;
  readonly log: Logger;
  /** Quiet time after a change before syncing; default 200 ms. */
  readonly debounceMs?: number;
  /** Pause before retrying a sync that failed; default 5 s. */
  readonly retryMs?: number;
  /** A sync even without changes this often; default 60 s. */
  readonly resyncMs?: number;
  /** Tests: the Nodes' source instead of the client. */
  readonly listerWatcher?: ListerWatcher<Node>;
}

/** What makes a node's route: a change to anything else (status heartbeats) is ignored. */
function routeKey(node: DeepReadonly<Node>): string {
  return `${node.spec?.podCIDR ?? ""} ${internalIpOf(node) ?? ""}`;
}

export class PodRoutes {
  private readonly abort = new AbortController();
  /** Aborts on stop() or the start signal. */
  private stopped: AbortSignal = this.abort.signal;
  private informer: SharedInformer<Node> | undefined;
  private informerDone: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private again = false;
  private lastProblems = "";
  private syncs = 0;

  constructor(private readonly options: PodRoutesOptions) {}

  /** Syncs run so far (for tests and metrics). */
  get syncCount(): number {
    return this.syncs;
  }

  /**
   * Starts watching Nodes. Resolves after the Node informer synced and the
   * first route sync ran (failed or not: it is retried); rejects if `signal`
   * aborts first.
   */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.informer) throw new Error("pod routes already started");
    const stopped = signal ? AbortSignal.any([signal, this.abort.signal]) : this.abort.signal;
    this.stopped = stopped;
    const source = this.options.listerWatcher ?? listerWatcherFor<Node>(this.options.client, NODES);
    const informer = new SharedInformer<Node>(source, {
      logger: this.options.log,
      name: "nodes (pod routes)",
    });
    this.informer = informer;
    informer.addEventHandler({
      onAdd: () => this.schedule(),
      onUpdate: (old, node) => {
        if (routeKey(old) !== routeKey(node)) this.schedule();
      },
      onDelete: (obj) => {
        if (finalState(obj).spec?.podCIDR) this.schedule();
      },
    });
    stopped.addEventListener("abort", () => this.clearTimers(), { once: true });
    this.informerDone = informer.start(stopped);
    if (!(await informer.waitForSync(stopped)))
      throw new Error("pod routes stopped before the Node informer synced");
    this.clearTimers(); // the initial adds scheduled one: run it now instead
    await this.runSync();
    this.scheduleResync();
  }

  /** Stops watching and syncing (a sync in progress finishes); the routes stay. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.clearTimers();
    await this.informerDone;
    await this.syncing;
  }

  private schedule(delayMs = this.options.debounceMs ?? 200): void {
    if (this.stopped.aborted || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runSync();
    }, delayMs);
  }

  private scheduleResync(): void {
    if (this.stopped.aborted) return;
    this.resyncTimer = setTimeout(() => {
      this.schedule(0);
      this.scheduleResync();
    }, this.options.resyncMs ?? 60_000);
    this.resyncTimer.unref();
  }

  private clearTimers(): void {
    clearTimeout(this.timer);
    clearTimeout(this.resyncTimer);
    this.timer = undefined;
  }

  /** One sync at a time; a change during a sync makes one more afterwards. */
  private async runSync(): Promise<void> {
    if (this.syncing) {
      this.again = true;
      return this.syncing;
    }
    this.syncing = this.syncOnce().finally(() => {
      this.syncing = undefined;
      if (this.again) {
        this.again = false;
        this.schedule(0);
      }
    });
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const { log, syncer } = this.options;
    const nodes = this.informer?.store.list() ?? [];
    this.syncs++;
    try {
      const result = await syncer.sync(nodes);
      for (const r of result.replaced) log.info("pod route set", { cidr: r.cidr, via: r.via, node: r.node });
      for (const cidr of result.removed) log.info("pod route removed", { cidr });
      // The same problems come back every sync: say them once.
      const problems = result.problems.join("\n");
      if (problems && problems !== this.lastProblems)
        log.warn("pod routes incomplete", { problems: result.problems });
      this.lastProblems = problems;
      if (result.failed.length > 0) {
        log.warn("pod routes refused by the kernel; retrying", { failed: result.failed });
        this.schedule(this.options.retryMs ?? 5000);
      }
    } catch (err) {
      log.warn("pod route sync failed; retrying", {
        error: err instanceof Error ? err.message : String(err),
      });
      this.schedule(this.options.retryMs ?? 5000);
    }
  }
}
