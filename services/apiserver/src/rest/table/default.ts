/**
 * Kinds without a printer get the apiserver's default table
 * (k8s.io/apiserver/pkg/registry/rest/table.go): NAME and CREATED AT, the
 * latter an RFC 3339 UTC timestamp of type "date" (what `kubectl get crd`
 * shows), not an age.
 */
import type { ObjectMeta } from "@ktl/api";
import { CREATION_TIMESTAMP_DESCRIPTION, NAME_COLUMN, column, nameOf, printer } from "./columns.js";
import { parseTimestamp } from "./duration.js";
import type { PrintedRow } from "./types.js";

const COLUMNS = [NAME_COLUMN, column("Created At", "date", CREATION_TIMESTAMP_DESCRIPTION)];

/** time.Time.UTC().Format(time.RFC3339): whole seconds; an unset time prints as Go's zero time. */
export function formatRFC3339(timestamp: string | undefined): string {
  const ms = parseTimestamp(timestamp);
  if (ms === undefined) return "0001-01-01T00:00:00Z";
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function print(obj: { metadata?: ObjectMeta }, _now: Date): PrintedRow {
  return { cells: [nameOf(obj), formatRFC3339(obj.metadata?.creationTimestamp)] };
}

export const defaultPrinter = printer<{ metadata?: ObjectMeta }>({ columns: COLUMNS, print });
