/** `kubectl get leases`: printLease in Kubernetes' printers.go. */
import type { Lease } from "@ktl/api";
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, nameOf, printer } from "./columns.js";
import type { PrintedRow } from "./types.js";

const COLUMNS = [
  NAME_COLUMN,
  column(
    "Holder",
    "string",
    "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election " +
      "is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.",
  ),
  AGE_COLUMN,
];

function print(lease: Lease, now: Date): PrintedRow {
  return { cells: [nameOf(lease), lease.spec?.holderIdentity ?? "", ageOf(lease, now)] };
}

export const leasePrinter = printer<Lease>({ columns: COLUMNS, print });
