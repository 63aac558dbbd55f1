import type { ApiClient } from "@ktl/client";
import { onShutdown, type Logger } from "@ktl/service";
import { LeaderElector } from "./leader-election.js";

export interface RunElectedOptions {
  readonly client: ApiClient;
  /** The Lease in kube-system, e.g. "kube-scheduler". */
  readonly lease: string;
  /** False runs at once, without election (single instance, tests). */
  readonly leaderElect: boolean;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly log: Logger;
  /** The service's work, until the signal aborts (shutdown or lost leadership). */
  readonly run: (signal: AbortSignal) => Promise<void>;
  /** Runs once on SIGTERM/SIGINT after the work stopped, e.g. to flush the events bus. */
  readonly onStop?: () => Promise<void>;
}

/**
 * Runs a leader-elected service's main loop the way kube-controller-manager
 * and kube-scheduler do: campaign for the Lease, work while leading, release
 * the Lease on SIGTERM so a successor starts at once, and exit non-zero when
 * leadership is lost without being asked to stop (a supervisor restarts a
 * fresh candidate).
 */
export async function runElected(options: RunElectedOptions): Promise<void> {
  const { log } = options;
  if (!options.leaderElect) {
    const stop = new AbortController();
    onShutdown(log, async () => {
      stop.abort();
      await options.onStop?.();
    });
    await options.run(stop.signal);
    return;
  }
  const elector = new LeaderElector({
    client: options.client,
    name: options.lease,
    identity: options.identity,
    leaseDurationMs: options.leaseDurationMs,
    renewDeadlineMs: options.renewDeadlineMs,
    retryPeriodMs: options.retryPeriodMs,
    logger: log,
    onStartedLeading: (signal) => {
      log.info("became the leader");
      return options.run(signal);
    },
    onStoppedLeading: () => log.info("stopped leading"),
    onNewLeader: (identity) => log.info("leader is", { identity }),
  });
  let stopping = false;
  onShutdown(log, async () => {
    stopping = true;
    await elector.release();
    await options.onStop?.();
  });
  await elector.run();
  if (!stopping) {
    log.error("lost leadership; exiting");
    process.exit(1);
  }
}
