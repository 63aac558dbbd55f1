import type { JetStreamManager, StreamConfig } from "nats";
import { DiscardPolicy, RetentionPolicy, StorageType, nanos } from "nats";

/** The JetStream stream that holds every Event; nothing about Events is in etcd. */
export const EVENTS_STREAM = "KTL_EVENTS";
/** Every event subject starts with this; the stream captures `events.>`. */
export const EVENTS_SUBJECT_PREFIX = "events";
export const DEFAULT_EVENTS_MAX_AGE_MS = 60 * 60 * 1000;
export const DEFAULT_EVENTS_MAX_BYTES = 256 * 1024 * 1024;

/**
 * `events.<namespace>.<name>`: one subject per Event, and the stream keeps one
 * message per subject, so an aggregated event (count+1) replaces its previous
 * version and the latest count wins. Names are DNS subdomains (no spaces,
 * `*` or `>`), so they are valid subject tokens; their dots just add tokens,
 * which `parseEventSubject` undoes (namespaces have no dots).
 */
export function eventSubject(namespace: string, name: string): string {
  return `${EVENTS_SUBJECT_PREFIX}.${namespace}.${name}`;
}

/** The filter for one namespace's events, or all of them. */
export function eventFilter(namespace?: string): string {
  return namespace ? `${EVENTS_SUBJECT_PREFIX}.${namespace}.>` : `${EVENTS_SUBJECT_PREFIX}.>`;
}

export function parseEventSubject(subject: string): { namespace: string; name: string } | undefined {
  const parts = subject.split(".");
  if (parts.length < 3 || parts[0] !== EVENTS_SUBJECT_PREFIX) return undefined;
  return { namespace: parts[1] ?? "", name: parts.slice(2).join(".") };
}

export interface EventStreamLimits {
  readonly maxAgeMs?: number;
  readonly maxBytes?: number;
}

export function eventStreamConfig(limits: EventStreamLimits = {}): Partial<StreamConfig> & { name: string } {
  return {
    name: EVENTS_STREAM,
    subjects: [`${EVENTS_SUBJECT_PREFIX}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    // The latest version of each event wins; older versions are garbage.
    max_msgs_per_subject: 1,
    max_age: nanos(limits.maxAgeMs ?? DEFAULT_EVENTS_MAX_AGE_MS),
    max_bytes: limits.maxBytes ?? DEFAULT_EVENTS_MAX_BYTES,
    // Full: drop the oldest events, never refuse new ones.
    discard: DiscardPolicy.Old,
    allow_direct: true,
  };
}

/**
 * Creates the stream, or brings its limits to `limits` when `update` is set
 * (the apiserver owns the limits; recorders only create a missing stream, so
 * two components with different defaults do not fight). Idempotent.
 */
export async function ensureEventStream(
  jsm: JetStreamManager,
  limits: EventStreamLimits = {},
  update = false,
): Promise<void> {
  const wanted = eventStreamConfig(limits);
  let existing: StreamConfig | undefined;
  try {
    existing = (await jsm.streams.info(EVENTS_STREAM)).config;
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
  }
  if (!existing) {
    try {
      await jsm.streams.add(wanted);
      return;
    } catch (err) {
      // Someone else created it meanwhile: fine, fall through to the update check.
      if (!/already in use|exists/i.test(String(err))) throw err;
      existing = (await jsm.streams.info(EVENTS_STREAM)).config;
    }
  }
  if (!update) return;
  const same =
    existing.max_age === wanted.max_age &&
    existing.max_bytes === wanted.max_bytes &&
    existing.max_msgs_per_subject === wanted.max_msgs_per_subject &&
    existing.allow_direct === wanted.allow_direct;
  if (!same) {
    await jsm.streams.update(EVENTS_STREAM, {
      ...existing,
      max_age: wanted.max_age,
      max_bytes: wanted.max_bytes,
      max_msgs_per_subject: wanted.max_msgs_per_subject,
      allow_direct: wanted.allow_direct,
    });
  }
}

function isStreamNotFound(err: unknown): boolean {
  const code = (err as { api_error?: { err_code?: number } }).api_error?.err_code;
  return code === 10059 || /stream not found/i.test(String(err));
}
