/** `kubectl get configmaps`: printConfigMap in Kubernetes' printers.go. */
import type { ConfigMap } from "@ktl/api";
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, nameOf, printer } from "./columns.js";
import type { PrintedRow } from "./types.js";

const COLUMNS = [
  NAME_COLUMN,
  column(
    "Data",
    "string",
    "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'.",
  ),
  AGE_COLUMN,
];

function print(cm: ConfigMap, now: Date): PrintedRow {
  // DATA counts text and binary keys together.
  const keys = Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length;
  return { cells: [nameOf(cm), keys, ageOf(cm, now)] };
}

export const configMapPrinter = printer<ConfigMap>({ columns: COLUMNS, print });
