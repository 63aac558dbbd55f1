/**
 * The meta.k8s.io/v1 Table as kube-apiserver serialises it for
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (what `kubectl get`
 * asks for), and the contract between toTable and the per-kind printers.
 */
import type { ObjectMeta } from "@ktl/api";

/** Cells are strings, integers or booleans, as the Go printers emit them. */
export type CellValue = string | number | boolean;

/** Every field is always present: Go's TableColumnDefinition has no omitempty. */
export interface TableColumnDefinition {
  readonly name: string;
  /** An OpenAPI type: "string", "integer", "boolean", "number", "date". */
  readonly type: string;
  /** "name" marks the column holding the object's name; "" otherwise. */
  readonly format: string;
  readonly description: string;
  /** 0 is always shown; 1 only with `kubectl get -o wide`. */
  readonly priority: number;
}

/** Kubernetes sets only the "Completed" condition, on finished pods. */
export interface TableRowCondition {
  readonly type: "Completed";
  readonly status: "True" | "False" | "Unknown";
  readonly reason?: string;
  readonly message?: string;
}

export interface PartialObjectMetadata {
  readonly kind: "PartialObjectMetadata";
  readonly apiVersion: "meta.k8s.io/v1";
  readonly metadata: ObjectMeta;
}

export interface TableRow {
  readonly cells: readonly CellValue[];
  readonly conditions?: readonly TableRowCondition[];
  /** null for includeObject=None: Go marshals an empty RawExtension as null. */
  readonly object: object | null;
}

export interface TableListMeta {
  readonly resourceVersion?: string;
  readonly continue?: string;
  readonly remainingItemCount?: number;
}

export interface Table {
  readonly kind: "Table";
  readonly apiVersion: "meta.k8s.io/v1";
  readonly metadata: TableListMeta;
  readonly columnDefinitions: readonly TableColumnDefinition[];
  readonly rows: readonly TableRow[];
}

/** The `includeObject` query parameter; Kubernetes treats an absent one as Metadata. */
export type IncludeObject = "None" | "Metadata" | "Object";

export interface TableOptions {
  readonly includeObject: IncludeObject;
  /**
   * The list's metadata; for a single-object GET pass the object's
   * resourceVersion, which is what Kubernetes puts there.
   */
  readonly listMeta?: TableListMeta;
  /** The instant ages are measured from; defaults to the current time. */
  readonly now?: Date;
  /** TableOptions.noHeaders: leave columnDefinitions empty. */
  readonly noHeaders?: boolean;
}

/** What a printer makes of one object: its cells, priority-1 ones included. */
export interface PrintedRow {
  readonly cells: readonly CellValue[];
  readonly conditions?: readonly TableRowCondition[];
}

/**
 * One kind's columns and row function. The server always prints wide rows
 * (Kubernetes' TableConvertor passes Wide: true) and kubectl hides priority-1
 * columns unless `-o wide`, so every row has one cell per column.
 */
export interface Printer<T> {
  readonly columns: readonly TableColumnDefinition[];
  print(obj: T, now: Date): PrintedRow;
}
