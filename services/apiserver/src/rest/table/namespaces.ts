/** `kubectl get namespaces`: printNamespace in Kubernetes' printers.go. */
import type { Namespace } from "@ktl/api";
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, nameOf, printer } from "./columns.js";
import type { PrintedRow } from "./types.js";

const COLUMNS = [NAME_COLUMN, column("Status", "string", "The status of the namespace"), AGE_COLUMN];

function print(ns: Namespace, now: Date): PrintedRow {
  // An unset phase is Active: the v1 default the internal object carries.
  return { cells: [nameOf(ns), ns.status?.phase || "Active", ageOf(ns, now)] };
}

export const namespacePrinter = printer<Namespace>({ columns: COLUMNS, print });
