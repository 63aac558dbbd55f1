/**
 * `kubectl get events`: printEvent in Kubernetes' printers.go. Last Seen falls
 * back to First Seen, which falls back to eventTime (events.k8s.io-style
 * events); a series overrides both last time and count.
 */
import type { Event } from "@ktl/api";
import { NAME_COLUMN, column, nameOf, printer, wideColumn } from "./columns.js";
import { parseTimestamp, translateTimestampSince } from "./duration.js";
import type { PrintedRow } from "./types.js";

const COLUMNS = [
  column("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
  column("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
  column(
    "Reason",
    "string",
    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  ),
  column("Object", "string", "The object that this event is about."),
  wideColumn(
    "Subobject",
    "string",
    "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].",
  ),
  wideColumn(
    "Source",
    "string",
    "The component reporting this event. Should be a short machine understandable string.",
  ),
  column("Message", "string", "A human-readable description of the status of this operation."),
  wideColumn(
    "First Seen",
    "string",
    "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
  ),
  wideColumn("Count", "string", "The number of times this event has occurred."),
  { ...NAME_COLUMN, priority: 1 },
];

/** core/v1 Event.series, which the generated type does not carry yet. */
interface EventSeries {
  readonly count?: number;
  readonly lastObservedTime?: string;
}

/** formatEventSource: component (or reportingController), then ", host" (or reportingInstance). */
function eventSource(event: Event): string {
  const component = event.source?.component || event.reportingComponent || "";
  const instance = event.source?.host || event.reportingInstance || "";
  return instance === "" ? component : `${component}, ${instance}`;
}

function print(event: Event, now: Date): PrintedRow {
  const firstSeen =
    parseTimestamp(event.firstTimestamp) !== undefined
      ? translateTimestampSince(event.firstTimestamp, now)
      : translateTimestampSince(event.eventTime, now);
  let lastSeen =
    parseTimestamp(event.lastTimestamp) !== undefined
      ? translateTimestampSince(event.lastTimestamp, now)
      : firstSeen;
  let count = event.count ?? 0;
  const series = (event as { series?: EventSeries }).series;
  if (series !== undefined) {
    lastSeen = translateTimestampSince(series.lastObservedTime, now);
    count = series.count ?? 0;
  } else if (count === 0) {
    // Singleton events of the events.k8s.io API have no count.
    count = 1;
  }
  const involved = event.involvedObject ?? {};
  const kind = (involved.kind ?? "").toLowerCase();
  const target = involved.name ? `${kind}/${involved.name}` : kind;
  return {
    cells: [
      lastSeen,
      event.type ?? "",
      event.reason ?? "",
      target,
      involved.fieldPath ?? "",
      eventSource(event),
      (event.message ?? "").trim(),
      firstSeen,
      count,
      nameOf(event),
    ],
  };
}

export const eventPrinter = printer<Event>({ columns: COLUMNS, print });
