/**
 * The REST verbs of `events`, over the EventStore (NATS) instead of the
 * registry (etcd): list with label and field selectors (and limit/continue),
 * get, watch, create, update, patch, delete. Tables come from the same
 * printers as every other kind.
 */
import type { Request, Response } from "express";
import { findResource, type Event } from "@ktl/api";
import {
  applyMergePatch,
  badRequest,
  invalid,
  methodNotSupported,
  parseFieldSelector,
  parseLabelSelector,
  invalidValue,
  notSupported,
  required,
  unsupportedMediaType,
  type FieldError,
} from "@ktl/apimachinery";
import { randomUUID } from "node:crypto";
import { fieldMatcher } from "../registry/fields.js";
import type { KubeObject } from "../storage/object.js";
import { decodeKubeProtobuf, KUBE_PROTOBUF } from "../rest/kube-protobuf.js";
import { sendList, sendObject, type OutputFormat } from "../rest/output.js";
import type { ResourcePath } from "../rest/paths.js";
import { intParam, param } from "../rest/query.js";
import { successStatus } from "../rest/status.js";
import { toTable } from "../rest/table/index.js";
import { watchLifetime } from "../rest/watch.js";
import type { EventStore } from "./store.js";

// eslint-disable-next-line @typescript-eslint/no-non-null-assertion
const EVENTS = findResource("", "events")!;
const GK = { group: "", kind: "Event" };
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export async function handleEvents(
  store: EventStore,
  req: Request,
  res: Response,
  path: ResourcePath,
  format: OutputFormat,
  isWatch: boolean,
): Promise<void> {
  const { name, subresource } = path;
  if (subresource) throw badRequest(`events have no subresource ${subresource}`);
  const namespace = path.namespace;
  switch (req.method) {
    case "GET":
      if (isWatch) return watchEvents(store, req, res, path, format);
      if (!name) return listEvents(store, req, res, namespace, format);
      return sendObject(res, format, EVENTS, asObject(await store.get(namespace ?? "", name)));
    case "POST": {
      if (name || !namespace) throw methodNotSupported(EVENTS, "create");
      const event = prepare(requireBody(req), namespace, undefined);
      return sendObject(res, format, EVENTS, asObject(await store.create(namespace, event)), 201);
    }
    case "PUT": {
      if (!name || !namespace) throw methodNotSupported(EVENTS, "update");
      const event = prepare(requireBody(req), namespace, name);
      return sendObject(res, format, EVENTS, asObject(await store.update(namespace, name, event)));
    }
    case "PATCH": {
      if (!name || !namespace) throw methodNotSupported(EVENTS, "patch");
      const patchType = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
      // An Event has no lists that merge by key, so a strategic merge patch is a merge patch.
      const types = ["application/merge-patch+json", "application/strategic-merge-patch+json"];
      if (!types.includes(patchType)) throw unsupportedMediaType(patchType, types);
      const current = await store.get(namespace, name);
      const patched = applyMergePatch(current, requireBody(req)) as Event;
      const event = prepare(patched, namespace, name);
      return sendObject(res, format, EVENTS, asObject(await store.update(namespace, name, event)));
    }
    case "DELETE": {
      if (!name || !namespace) throw methodNotSupported(EVENTS, "deletecollection");
      const gone = await store.delete(namespace, name);
      res.json(successStatus({ name, group: "", kind: "events", uid: gone.metadata?.uid }));
      return;
    }
    default:
      throw methodNotSupported(EVENTS, req.method.toLowerCase());
  }
}

function asObject(event: Event): KubeObject {
  return event as KubeObject;
}

/** A predicate for `labelSelector` and `fieldSelector`; a bad selector is a 400. */
export function eventMatcher(labelSelector: string, fieldSelector: string): (event: Event) => boolean {
  let labels;
  let fields;
  try {
    labels = parseLabelSelector(labelSelector);
    fields = parseFieldSelector(fieldSelector);
  } catch (err) {
    throw badRequest((err as Error).message);
  }
  const fieldMatches = fieldMatcher(EVENTS, fields);
  return (event) => labels.matches(event.metadata?.labels ?? {}) && fieldMatches(asObject(event));
}

async function listEvents(
  store: EventStore,
  req: Request,
  res: Response,
  namespace: string | undefined,
  format: OutputFormat,
): Promise<void> {
  const matches = eventMatcher(param(req, "labelSelector") ?? "", param(req, "fieldSelector") ?? "");
  const list = await store.list(namespace);
  let items = list.items.filter(matches);
  // continue is an offset into the (sorted) list; events are a best-effort
  // log, so a page boundary shifting under concurrent writes is acceptable.
  const offset = Number(
    param(req, "continue") ? Buffer.from(param(req, "continue") ?? "", "base64url").toString() : 0,
  );
  if (!Number.isInteger(offset) || offset < 0) throw badRequest("invalid continue token");
  const limit = intParam(req, "limit");
  let next: string | undefined;
  items = items.slice(offset);
  if (limit !== undefined && limit > 0 && items.length > limit) {
    items = items.slice(0, limit);
    next = Buffer.from(String(offset + limit)).toString("base64url");
  }
  await sendList(res, format, EVENTS, {
    items: items.map(asObject),
    resourceVersion: list.resourceVersion,
    continue: next,
  });
}

async function watchEvents(
  store: EventStore,
  req: Request,
  res: Response,
  path: ResourcePath,
  format: OutputFormat,
): Promise<void> {
  const fieldSelector = [param(req, "fieldSelector"), path.name ? `metadata.name=${path.name}` : undefined]
    .filter(Boolean)
    .join(",");
  const matches = eventMatcher(param(req, "labelSelector") ?? "", fieldSelector);
  const lifetime = watchLifetime(req, res);
  // Headers are set but sent only once the watch is up: NATS down is a plain
  // 503 (sendError overrides them) before the stream starts.
  res.status(200);
  res.setHeader("Content-Type", "application/json");
  res.setHeader("Transfer-Encoding", "chunked");
  res.setHeader("Cache-Control", "no-cache, private");
  let firstTable = true;
  const cancel = await store.watch(
    path.namespace,
    param(req, "resourceVersion"),
    (type, event) => {
      if (lifetime.ended || !matches(event)) return;
      let object: unknown = event;
      if (format.table) {
        const table = toTable("Event", [asObject(event)], { includeObject: format.includeObject });
        object = firstTable ? table : { ...table, columnDefinitions: [] };
        firstTable = false;
      }
      res.write(JSON.stringify({ type, object }) + "\n");
    },
    lifetime.end,
  );
  lifetime.attach(cancel);
  res.flushHeaders();
  res.socket?.setNoDelay(true);
}

function requireBody(req: Request): unknown {
  const raw = req.body as Buffer | undefined;
  if (!raw || raw.length === 0) throw badRequest("the request has no body");
  if (req.is(KUBE_PROTOBUF)) return decodeKubeProtobuf(raw);
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Checks a written event and fills what the server fills (uid,
 * creationTimestamp, kind). The namespace must match the path's; the name
 * (or generateName) must be a DNS subdomain, which also makes it a valid
 * NATS subject token.
 */
export function prepare(body: unknown, namespace: string, pathName: string | undefined): Event {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badRequest("the request body must be an Event object");
  }
  const event = body as Event;
  if (event.kind !== undefined && event.kind !== "Event") {
    throw badRequest(`the body's kind ${event.kind} does not match the path's (Event)`);
  }
  const meta = { ...event.metadata };
  if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomUUID().slice(0, 5)}`;
  const errors: FieldError[] = [];
  const name = meta.name ?? "";
  if (pathName !== undefined && name !== pathName) {
    errors.push(invalidValue("metadata.name", name, "must match the name in the path"));
  }
  if (!name) errors.push(required("metadata.name", "name or generateName is required"));
  else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    errors.push(invalidValue("metadata.name", name, "must be a DNS subdomain"));
  }
  if (meta.namespace !== undefined && meta.namespace !== "" && meta.namespace !== namespace) {
    throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  if (!event.involvedObject) {
    errors.push(required("involvedObject"));
  }
  if (event.type !== undefined && event.type !== "Normal" && event.type !== "Warning") {
    errors.push(notSupported("type", event.type, ["Normal", "Warning"]));
  }
  if (errors.length > 0) throw invalid(GK, name, errors);
  meta.namespace = namespace;
  meta.uid ??= randomUUID();
  meta.creationTimestamp ??= new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  return { ...event, apiVersion: "v1", kind: "Event", metadata: meta };
}
