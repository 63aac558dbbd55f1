/**
 * core/v1 Event validation. Kubernetes checks v1 Events only with its
 * "legacy" rules (plus basic metadata), so old clients keep working.
 */
import { z } from "zod";
import {
  invalidValue,
  isDNS1123Subdomain,
  isQualifiedName,
  required,
  type FieldError,
} from "@ktl/apimachinery";
import type { Event } from "../gen/types.js";
import { ObjectMetaSchema, nameIsPathSegment, validateObjectMeta, validateObjectMetaUpdate } from "./meta.js";
import { anyObject, int, opt, str } from "./schema.js";

const ObjectReferenceSchema = z.object({
  kind: opt(str()),
  namespace: opt(str()),
  name: opt(str()),
  uid: opt(str()),
  apiVersion: opt(str()),
  resourceVersion: opt(str()),
  fieldPath: opt(str()),
});

export const EventSchema = z.object({
  metadata: opt(ObjectMetaSchema),
  involvedObject: opt(ObjectReferenceSchema),
  reason: opt(str()),
  message: opt(str()),
  source: opt(z.object({ component: opt(str()), host: opt(str()) })),
  firstTimestamp: opt(str()),
  lastTimestamp: opt(str()),
  count: opt(int()),
  type: opt(str()),
  eventTime: opt(str()),
  action: opt(str()),
  related: opt(ObjectReferenceSchema),
  reportingComponent: opt(str()),
  reportingInstance: opt(str()),
  series: opt(anyObject()),
});

const LIMITS = { reportingInstance: 128, action: 128, reason: 128, message: 1024 } as const;

export function validateEvent(ev: Event): FieldError[] {
  // Event names are only used as a URL path segment, so anything else goes.
  return [
    ...validateObjectMeta(ev.metadata, { namespaced: true, nameFn: nameIsPathSegment }),
    ...legacyValidateEvent(ev),
  ];
}

export function validateEventUpdate(ev: Event, old: Event): FieldError[] {
  return [...validateObjectMetaUpdate(ev.metadata, old.metadata), ...legacyValidateEvent(ev)];
}

/** Paths follow Kubernetes' internal names: `reportingController` is v1's reportingComponent. */
function legacyValidateEvent(ev: Event): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = ev.metadata?.namespace ?? "";
  const involvedNamespace = ev.involvedObject?.namespace ?? "";
  const mismatch = (): FieldError =>
    invalidValue("involvedObject.namespace", involvedNamespace, "does not match event.namespace");
  if (!ev.eventTime) {
    // Old-style events: the event lives with its object ("default" tolerated for cluster objects).
    if (
      involvedNamespace === "" ? namespace !== "" && namespace !== "default" : namespace !== involvedNamespace
    ) {
      errs.push(mismatch());
    }
  } else {
    if (involvedNamespace === "" && namespace !== "default" && namespace !== "kube-system")
      errs.push(mismatch());
    const controller = ev.reportingComponent ?? "";
    if (controller === "") errs.push(required("reportingController"));
    errs.push(
      ...isQualifiedName(controller).map((msg) => invalidValue("reportingController", controller, msg)),
    );
    for (const field of ["reportingInstance", "action", "reason"] as const) {
      const value = ev[field] ?? "";
      if (value === "") errs.push(required(field));
      if (value.length > LIMITS[field])
        errs.push(invalidValue(field, "", `can have at most ${LIMITS[field]} characters`));
    }
    if ((ev.message ?? "").length > LIMITS.message) {
      errs.push(invalidValue("message", "", `can have at most ${LIMITS.message} characters`));
    }
  }
  errs.push(...isDNS1123Subdomain(namespace).map((msg) => invalidValue("namespace", namespace, msg)));
  return errs;
}
