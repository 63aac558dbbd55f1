/**
 * Column definitions and cells shared by the printers. Descriptions are the
 * field docs Kubernetes attaches (kubectl never prints them; they are there for
 * API consumers that render tables).
 */
import type { Container, ObjectMeta } from "@ktl/api";
import { translateTimestampSince } from "./duration.js";
import type { Printer, TableColumnDefinition } from "./types.js";

export const NAME_DESCRIPTION =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may " +
  "allow a client to request the generation of an appropriate name automatically. Name is primarily intended " +
  "for creation idempotence and configuration definition. Cannot be updated. More info: " +
  "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

export const CREATION_TIMESTAMP_DESCRIPTION =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not " +
  "guaranteed to be set in happens-before order across separate operations. Clients may not set this value. " +
  "It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. " +
  "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

export function column(
  name: string,
  type: string,
  description: string,
  extra: { readonly priority?: number; readonly format?: string } = {},
): TableColumnDefinition {
  return { name, type, format: extra.format ?? "", description, priority: extra.priority ?? 0 };
}

/** Wide-only columns, priority 1. */
export function wideColumn(name: string, type: string, description: string): TableColumnDefinition {
  return column(name, type, description, { priority: 1 });
}

export const NAME_COLUMN = column("Name", "string", NAME_DESCRIPTION, { format: "name" });
export const AGE_COLUMN = column("Age", "string", CREATION_TIMESTAMP_DESCRIPTION);
export const CONTAINERS_COLUMN = wideColumn(
  "Containers",
  "string",
  "Names of each container in the template.",
);
export const IMAGES_COLUMN = wideColumn(
  "Images",
  "string",
  "Images referenced by each container in the template.",
);

interface HasMeta {
  readonly metadata?: ObjectMeta;
}

export const nameOf = (obj: HasMeta): string => obj.metadata?.name ?? "";

export const ageOf = (obj: HasMeta, now: Date): string =>
  translateTimestampSince(obj.metadata?.creationTimestamp, now);

/** layoutContainerCells: container names and images, each comma-joined. */
export function layoutContainerCells(
  containers: readonly Container[] | undefined,
): [names: string, images: string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? "").join(","), list.map((c) => c.image ?? "").join(",")];
}

/**
 * Printers are registered by kind and handed the stored JSON of that kind; the
 * cast records that the shape is trusted, not checked.
 */
export function printer<T>(p: Printer<T>): Printer<object> {
  return p as unknown as Printer<object>;
}
