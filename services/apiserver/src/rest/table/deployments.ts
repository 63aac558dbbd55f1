/** `kubectl get deployments`: printDeployment in Kubernetes' printers.go. */
import type { Deployment } from "@ktl/api";
import {
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  NAME_COLUMN,
  ageOf,
  column,
  layoutContainerCells,
  nameOf,
  printer,
  wideColumn,
} from "./columns.js";
import { labelSelectorString } from "./selectors.js";
import type { PrintedRow } from "./types.js";

const COLUMNS = [
  NAME_COLUMN,
  column("Ready", "string", "Number of the pod with ready state"),
  column(
    "Up-to-date",
    "string",
    "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
  ),
  column(
    "Available",
    "string",
    "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
  ),
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  wideColumn(
    "Selector",
    "string",
    "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
  ),
];

function print(deployment: Deployment, now: Date): PrintedRow {
  // An unset spec.replicas is 1: the v1 default the internal object carries.
  const desired = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const [containers, images] = layoutContainerCells(deployment.spec?.template?.spec?.containers);
  // Unlike ReplicaSets, Deployments print selector.String() directly: "" when
  // empty, "<invalid>" when it does not parse.
  const selector = labelSelectorString(deployment.spec?.selector);
  return {
    cells: [
      nameOf(deployment),
      `${status.readyReplicas ?? 0}/${desired}`,
      status.updatedReplicas ?? 0,
      status.availableReplicas ?? 0,
      ageOf(deployment, now),
      containers,
      images,
      selector instanceof Error ? "<invalid>" : selector,
    ],
  };
}

export const deploymentPrinter = printer<Deployment>({ columns: COLUMNS, print });
