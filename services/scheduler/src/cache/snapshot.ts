import type { NodeInfo } from "../framework/interface.js";

/**
 * A point-in-time view of the cache for one scheduling cycle (Kubernetes'
 * internal/cache/snapshot.go). `SchedulerCache.updateSnapshot` refreshes it
 * incrementally: entries are immutable NodeInfos, replaced when their
 * generation moves.
 */
export class Snapshot {
  /** The cache generation this snapshot reflects. */
  generation = 0;
  nodeSetGeneration = -1;
  readonly map = new Map<string, NodeInfo>();
  /** Nodes in a stable order (the rotating start index walks it). */
  list: NodeInfo[] = [];
  index = new Map<string, number>();

  get(name: string): NodeInfo | undefined {
    return this.map.get(name);
  }
}
