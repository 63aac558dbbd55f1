/**
 * The contract between a controller's work queue and its logic, as
 * controller-runtime's Reconciler: `reconcile` is told only a key, reads the
 * informer caches, compares desired with observed state and acts. It must be
 * idempotent — the same key may be reconciled again at any time, and an event
 * may have been coalesced with others.
 */
export interface Reconciler {
  /**
   * Reconciles one object by key (`namespace/name`, or `name` when cluster-scoped).
   * Return normally when done (including when the object no longer exists);
   * `requeueAfterMs` asks for another pass later (e.g. a deadline to check).
   * A thrown error is retried with rate limiting; a TerminalError is logged and not retried.
   */
  reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void>;
}

export interface ReconcileResult {
  readonly requeueAfterMs?: number;
}

/** An error that retrying cannot fix (bad user input, an impossible state): logged, never retried. */
export class TerminalError extends Error {
  override readonly name = "TerminalError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
