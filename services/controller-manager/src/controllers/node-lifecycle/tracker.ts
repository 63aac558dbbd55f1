/** What a node's silence means now. */
export type Liveness = "healthy" | "unreachable";

/**
 * Last-seen times of nodes, in memory only (heartbeats are never stored), and
 * the grace logic. A node is unreachable when neither it was heard from nor
 * the epoch began within the grace period. The epoch is when judging (re)started:
 * the controller's start (its memory is empty, so every node gets a full
 * grace period first) and the end of every NATS outage (beats were dropped
 * while the bus was down: nobody's silence during it counts).
 */
export class HeartbeatTracker {
  private readonly seen = new Map<string, number>();
  private epoch: number;

  constructor(
    private readonly graceMs: number,
    now: number,
  ) {
    this.epoch = now;
  }

  /** The node was heard from at `now` (a heartbeat, or its own status write). */
  heard(node: string, now: number): void {
    const last = this.seen.get(node);
    if (last === undefined || now > last) this.seen.set(node, now);
  }

  /** Starts a fresh grace period for every node (start, NATS back after an outage). */
  restartGrace(now: number): void {
    this.epoch = now;
  }

  lastSeen(node: string): number | undefined {
    return this.seen.get(node);
  }

  forget(node: string): void {
    this.seen.delete(node);
  }

  get size(): number {
    return this.seen.size;
  }

  judge(node: string, now: number): Liveness {
    return now - this.since(node) > this.graceMs ? "unreachable" : "healthy";
  }

  /** When the node would become unreachable if nothing is heard (ms since the epoch). */
  deadline(node: string): number {
    return this.since(node) + this.graceMs;
  }

  private since(node: string): number {
    return Math.max(this.seen.get(node) ?? -Infinity, this.epoch);
  }
}
