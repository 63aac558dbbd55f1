/**
 * Server-side printing: what kube-apiserver returns for
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, the form
 * `kubectl get` asks for. Columns and cells are Kubernetes' own, so kubectl
 * output matches a real cluster's.
 *
 * @example
 * toTable("Pod", pods, { includeObject: "Metadata", listMeta: { resourceVersion: "42" } });
 */
import type { ObjectMeta } from "@ktl/api";
import { configMapPrinter } from "./configmaps.js";
import { defaultPrinter } from "./default.js";
import { deploymentPrinter } from "./deployments.js";
import { endpointsPrinter } from "./endpoints.js";
import { eventPrinter } from "./events.js";
import { leasePrinter } from "./leases.js";
import { namespacePrinter } from "./namespaces.js";
import { nodePrinter } from "./nodes.js";
import { podPrinter } from "./pods.js";
import { replicaSetPrinter } from "./replicasets.js";
import { scalePrinter } from "./scales.js";
import { servicePrinter } from "./services.js";
import type { IncludeObject, Printer, Table, TableListMeta, TableOptions, TableRow } from "./types.js";

export type * from "./types.js";
export { humanDuration, translateTimestampSince } from "./duration.js";

const PRINTERS: ReadonlyMap<string, Printer<object>> = new Map([
  ["Pod", podPrinter],
  ["Deployment", deploymentPrinter],
  ["ReplicaSet", replicaSetPrinter],
  ["Service", servicePrinter],
  ["Endpoints", endpointsPrinter],
  ["Node", nodePrinter],
  ["Namespace", namespacePrinter],
  ["ConfigMap", configMapPrinter],
  ["Event", eventPrinter],
  ["Lease", leasePrinter],
  ["Scale", scalePrinter],
]);

/** The columns Kubernetes prints for a kind (the default table for unknown kinds). */
export function printerFor(kind: string): Printer<object> {
  return PRINTERS.get(kind) ?? defaultPrinter;
}

/**
 * The row's `object`, per includeObject: the whole object, a
 * PartialObjectMetadata (the default; kubectl reads namespace and labels from
 * it), or nothing. kubectl asks for Object only with --sort-by.
 */
function rowObject(obj: object, includeObject: IncludeObject): object | null {
  switch (includeObject) {
    case "Object":
      return obj;
    case "None":
      return null;
    default:
      return {
        kind: "PartialObjectMetadata",
        apiVersion: "meta.k8s.io/v1",
        metadata: (obj as { metadata?: ObjectMeta }).metadata ?? {},
      };
  }
}

/** ListMeta fields are omitempty in Go: only the set ones are sent. */
function tableMetadata(listMeta: TableListMeta | undefined): TableListMeta {
  return {
    ...(listMeta?.resourceVersion ? { resourceVersion: listMeta.resourceVersion } : {}),
    ...(listMeta?.continue ? { continue: listMeta.continue } : {}),
    ...(listMeta?.remainingItemCount !== undefined
      ? { remainingItemCount: listMeta.remainingItemCount }
      : {}),
  };
}

/** A meta.k8s.io/v1 Table of `objects`, all of kind `kind`, printed as Kubernetes prints them. */
export function toTable(kind: string, objects: readonly object[], opts: TableOptions): Table {
  const printer = printerFor(kind);
  const now = opts.now ?? new Date();
  const rows = objects.map((obj): TableRow => {
    const printed = printer.print(obj, now);
    return {
      cells: printed.cells,
      ...(printed.conditions ? { conditions: printed.conditions } : {}),
      object: rowObject(obj, opts.includeObject),
    };
  });
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: tableMetadata(opts.listMeta),
    columnDefinitions: opts.noHeaders ? [] : printer.columns,
    rows,
  };
}
