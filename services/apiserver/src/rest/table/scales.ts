/** autoscaling/v1 Scale (`kubectl get deploy/x --subresource=scale`): printScale in Kubernetes' printers.go. */
import type { Scale } from "@ktl/api";
import { AGE_COLUMN, NAME_DESCRIPTION, ageOf, column, nameOf, printer } from "./columns.js";
import type { PrintedRow } from "./types.js";

const COLUMNS = [
  // Kubernetes' Scale name column carries no "name" format.
  column("Name", "string", NAME_DESCRIPTION),
  column("Desired", "integer", "replicas is the desired number of instances for the scaled object."),
  column("Available", "integer", "replicas is the actual number of observed instances of the scaled object."),
  AGE_COLUMN,
];

function print(scale: Scale, now: Date): PrintedRow {
  return {
    cells: [nameOf(scale), scale.spec?.replicas ?? 0, scale.status?.replicas ?? 0, ageOf(scale, now)],
  };
}

export const scalePrinter = printer<Scale>({ columns: COLUMNS, print });
