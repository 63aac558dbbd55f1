/**
 * Per-kind validation of API objects, returning Kubernetes-style field errors
 * (`spec.containers[0].image: Required value`). Objects are expected to be
 * defaulted first (see ../defaults), as the Kubernetes apiserver does: fields
 * it defaults, such as restartPolicy, are required here.
 *
 * Each kind has a zod schema for the shape of the object and single-field
 * rules, and plain functions for the rules that relate fields. When the shape
 * is wrong (a string where a list belongs) only the shape errors are returned.
 */
import type { z } from "zod";
import { invalidValue, type FieldError } from "@ktl/apimachinery";
import { BindingSchema, validateBinding } from "./binding.js";
import { ConfigMapSchema, validateConfigMap, validateConfigMapUpdate } from "./configmap.js";
import { DeploymentSchema, validateDeployment, validateDeploymentUpdate } from "./deployment.js";
import { EndpointsSchema, validateEndpoints, validateEndpointsUpdate } from "./endpoints.js";
import { EventSchema, validateEvent, validateEventUpdate } from "./event.js";
import { LeaseSchema, validateLease, validateLeaseUpdate } from "./lease.js";
import { ObjectMetaSchema, validateObjectMetaUpdate } from "./meta.js";
import { NamespaceSchema, validateNamespace, validateNamespaceUpdate } from "./namespace.js";
import { NodeSchema, validateNode, validateNodeUpdate } from "./node.js";
import { PodSchema, validatePod, validatePodUpdate } from "./pod.js";
import { ReplicaSetSchema, validateReplicaSet, validateReplicaSetUpdate } from "./replicaset.js";
import { checkShape } from "./schema.js";
import { ServiceSchema, validateService, validateServiceUpdate } from "./service.js";

interface KindRules {
  readonly schema: z.ZodTypeAny;
  readonly create: (obj: never) => FieldError[];
  readonly update: (obj: never, old: never) => FieldError[];
}

const KINDS: Record<string, KindRules> = {
  Pod: { schema: PodSchema, create: validatePod, update: validatePodUpdate },
  Deployment: { schema: DeploymentSchema, create: validateDeployment, update: validateDeploymentUpdate },
  ReplicaSet: { schema: ReplicaSetSchema, create: validateReplicaSet, update: validateReplicaSetUpdate },
  Service: { schema: ServiceSchema, create: validateService, update: validateServiceUpdate },
  Endpoints: { schema: EndpointsSchema, create: validateEndpoints, update: validateEndpointsUpdate },
  Node: { schema: NodeSchema, create: validateNode, update: validateNodeUpdate },
  Namespace: { schema: NamespaceSchema, create: validateNamespace, update: validateNamespaceUpdate },
  ConfigMap: { schema: ConfigMapSchema, create: validateConfigMap, update: validateConfigMapUpdate },
  Event: { schema: EventSchema, create: validateEvent, update: validateEventUpdate },
  Lease: { schema: LeaseSchema, create: validateLease, update: validateLeaseUpdate },
  // A Binding is only ever created (POST pods/{name}/binding).
  Binding: { schema: BindingSchema, create: validateBinding, update: validateBinding },
};

function isObject(v: unknown): v is Record<string, unknown> {
  return v != null && typeof v === "object" && !Array.isArray(v);
}

/** Validates a new object of `kind`. Kinds without rules yield no errors. */
export function validateCreate(kind: string, obj: unknown): FieldError[] {
  const rules = KINDS[kind];
  if (rules === undefined) return [];
  if (!isObject(obj)) return [invalidValue("", obj, "must be of type object")];
  const shape = checkShape(rules.schema, obj);
  return shape.malformed ? shape.errors : [...shape.errors, ...rules.create(obj as never)];
}

/**
 * Validates `obj` replacing the stored `old`: everything validateCreate checks
 * on the new object, plus the fields that may not change.
 */
export function validateUpdate(kind: string, obj: unknown, old: unknown): FieldError[] {
  const rules = KINDS[kind];
  if (rules === undefined) return [];
  if (!isObject(obj)) return [invalidValue("", obj, "must be of type object")];
  const shape = checkShape(rules.schema, obj);
  if (shape.malformed) return shape.errors;
  // The stored object passed validation when written; anything unreadable compares as empty.
  const previous = isObject(old) && !checkShape(rules.schema, old).malformed ? old : {};
  return [...shape.errors, ...rules.update(obj as never, previous as never)];
}

const MetadataOnlySchema = ObjectMetaSchema.nullish();

/** A write to the status subresource: only the metadata rules apply. */
export function validateStatusUpdate(kind: string, obj: unknown, old: unknown): FieldError[] {
  if (KINDS[kind] === undefined) return [];
  if (!isObject(obj)) return [invalidValue("", obj, "must be of type object")];
  const shape = checkShape(MetadataOnlySchema, obj.metadata, "metadata");
  if (shape.malformed) return shape.errors;
  const oldMeta = isObject(old) && isObject(old.metadata) ? old.metadata : {};
  return [...shape.errors, ...validateObjectMetaUpdate(obj.metadata as never, oldMeta)];
}

export { TOTAL_ANNOTATION_SIZE_LIMIT } from "./meta.js";
export { MAX_CONFIG_MAP_SIZE } from "./configmap.js";
export { MAX_HOLDER_IDENTITY_LENGTH } from "./lease.js";
export { parseQuantity, type QuantityResult } from "./quantity.js";
