/**
 * NATS subjects of node liveness. The kubelet
 * (services/kubelet/src/node/heartbeat.ts) uses the same strings: keep them
 * in step.
 */
export const HEARTBEAT_SUBJECT_PREFIX = "node.heartbeat.";
export const HEARTBEAT_SUBJECTS = `${HEARTBEAT_SUBJECT_PREFIX}*`;
/** Asks a node's kubelet to write its whole status again (we overwrote it with Ready=Unknown). */
export const RESYNC_SUBJECT_PREFIX = "node.status.resync.";

/** The node a heartbeat subject is about; undefined for anything else. */
export function nodeOfSubject(subject: string): string | undefined {
  if (!subject.startsWith(HEARTBEAT_SUBJECT_PREFIX)) return undefined;
  const name = subject.slice(HEARTBEAT_SUBJECT_PREFIX.length);
  return name.length > 0 ? name : undefined;
}
