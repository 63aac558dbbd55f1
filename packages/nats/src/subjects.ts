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

/** `node.<node>.logs`: the apiserver asks the node's kubelet for a container's log (relay.ts). */
export function logsSubject(node: string): string {
  return `node.${node}.logs`;
}
/** `node.<node>.exec`: the apiserver runs a command in a container of the node (relay.ts). */
export function execSubject(node: string): string {
  return `node.${node}.exec`;
}

/** A `node.<node>.logs` request; `query` is PodLogOptions as the apiserver got them (follow, tailLines, …). */
export interface LogsRelayRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly query: string;
}

/** A `node.<node>.exec` request: non-interactive, run to completion (CRI ExecSync). */
export interface ExecRelayRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly command: readonly string[];
}
/** Exec output channels, numbered as Kubernetes' remotecommand streams. */
export const EXEC_STDOUT = 1;
export const EXEC_STDERR = 2;
/** The end trailer of an exec stream. */
export interface ExecRelayTrailer {
  readonly exitCode: number;
}
/** The same result from the kubelet's HTTP fallback, `POST /exec/{ns}/{pod}/{container}` (outputs base64). */
export interface ExecHttpAnswer {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}
