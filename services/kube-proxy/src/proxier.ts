import type { ProxyState } from "./model.js";

/** One proxy mode's data path: what run.ts drives. */
export interface Proxier {
  /** Makes the data path serve `state` (the whole state, every time). Rejects to be retried. */
  sync(state: ProxyState): Promise<void>;
  /** Periodic chores (every ~250 ms): retry listeners, expire sessions, new bridges. */
  housekeeping(): Promise<void>;
  /** Removes everything this proxier made (listeners, rules); established connections may be cut. */
  stop(): Promise<void>;
}
