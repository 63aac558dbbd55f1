import type { Etcd3 } from "etcd3";
import type { Logger } from "@ktl/service";

/**
 * Compacts etcd's history as Kubernetes' apiserver does: every interval, up
 * to the revision seen one interval earlier, so watchers and paginated lists
 * always have at least one interval of history behind them while etcd's
 * database stays bounded. Several apiservers may all compact; etcd refuses a
 * compaction to an already compacted revision, which is harmless.
 */
export function startCompactor(etcd: Etcd3, log: Logger, intervalMs = 5 * 60_000): () => void {
  let previous = 0;
  const tick = async (): Promise<void> => {
    try {
      const current = Number((await etcd.get("/registry/").exec()).header.revision);
      if (previous > 0) {
        await etcd.kv.compact({ revision: String(previous), physical: false });
        log.info("compacted etcd", { revision: previous });
      }
      previous = current;
    } catch (err) {
      const message = String(err);
      if (!/compacted/.test(message)) log.warn("etcd compaction failed", { error: message });
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  void tick();
  return () => clearInterval(timer);
}
