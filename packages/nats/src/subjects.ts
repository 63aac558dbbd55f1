/**
 * The cluster's NATS subjects (ARCHITECTURE.md §8), in one place for every
 * publisher and subscriber.
 */

/** `node.heartbeat.<node>`: core NATS, fire-and-forget, every few seconds per node. */
export const HEARTBEAT_SUBJECT_PREFIX = "node.heartbeat.";
export const HEARTBEAT_SUBJECTS = `${HEARTBEAT_SUBJECT_PREFIX}*`;
/** `node.status.resync.<node>`: the node lifecycle controller asks a kubelet to write its whole status again (it overwrote it, e.g. Ready=Unknown). */
export const RESYNC_SUBJECT_PREFIX = "node.status.resync.";

/** A heartbeat's payload: small, JSON. `ts` is the sender's clock (ms), for diagnostics only. */
export interface HeartbeatMessage {
  readonly node: string;
  readonly ts: number;
  readonly ready: boolean;
}

/** The node a heartbeat subject is about; undefined for anything else. */
export function nodeOfHeartbeatSubject(subject: string): string | undefined {
  if (!subject.startsWith(HEARTBEAT_SUBJECT_PREFIX)) return undefined;
  const name = subject.slice(HEARTBEAT_SUBJECT_PREFIX.length);
  return name.length > 0 ? name : undefined;
}
