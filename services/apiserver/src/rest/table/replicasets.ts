/** `kubectl get replicasets`: printReplicaSet in Kubernetes' printers.go. */
import type { ReplicaSet } from "@ktl/api";
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
import { formatLabelSelector } from "./selectors.js";
import type { PrintedRow } from "./types.js";

const COLUMNS = [
  NAME_COLUMN,
  column(
    "Desired",
    "integer",
    "Replicas is the number of desired replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
  ),
  column(
    "Current",
    "integer",
    "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
  ),
  column("Ready", "integer", "The number of ready replicas for this replica set."),
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  wideColumn(
    "Selector",
    "string",
    "Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template.",
  ),
];

function print(rs: ReplicaSet, now: Date): PrintedRow {
  const [containers, images] = layoutContainerCells(rs.spec?.template?.spec?.containers);
  return {
    cells: [
      nameOf(rs),
      // An unset spec.replicas is 1: the v1 default the internal object carries.
      rs.spec?.replicas ?? 1,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      ageOf(rs, now),
      containers,
      images,
      formatLabelSelector(rs.spec?.selector),
    ],
  };
}

export const replicaSetPrinter = printer<ReplicaSet>({ columns: COLUMNS, print });
