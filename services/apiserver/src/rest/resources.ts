import type { NextFunction, Request, Response } from "express";
import type { Binding, ResourceInfo, Scale } from "@ktl/api";
import {
  badRequest,
  isNotFound,
  methodNotSupported,
  notFound,
  unsupportedMediaType,
} from "@ktl/apimachinery";
import type { Logger } from "@ktl/service";
import { PATCH_TYPES, isPatchType, patchObject } from "../registry/patch.js";
import type { Reads } from "../registry/reads.js";
import type { Registry } from "../registry/registry.js";
import { bindPod, toScale, updateScale } from "../registry/subresources.js";
import type { KubeObject } from "../storage/object.js";
import { handleEvents } from "../events/handler.js";
import { UNCONFIGURED_EVENT_STORE, type EventStore } from "../events/store.js";
import { decodeKubeProtobuf, KUBE_PROTOBUF } from "./kube-protobuf.js";
import { outputFormat, sendList, sendObject, type OutputFormat } from "./output.js";
import { parseResourcePath, type ResourcePath } from "./paths.js";
import { deleteOptions, intParam, param, writeOptions } from "./query.js";
import { sendError, successStatus } from "./status.js";
import { serveWatch } from "./watch.js";

export interface ResourceDeps {
  readonly registry: Registry;
  readonly reads: Reads;
  readonly log: Logger;
  /** Where Events live (NATS); absent: the events API answers 503. */
  readonly events?: EventStore;
}

/** Express handler for every resource path; other paths fall through. */
export function resourceHandler(deps: ResourceDeps) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const path = parseResourcePath(req.path);
    if (!path) {
      next();
      return;
    }
    handle(deps, req, res, path).catch((err: unknown) => sendError(res, err, deps.log));
  };
}

async function handle(deps: ResourceDeps, req: Request, res: Response, path: ResourcePath): Promise<void> {
  const { info, name, subresource } = path;
  const format = outputFormat(req);
  const isWatch = path.watchPath || param(req, "watch") === "true" || param(req, "watch") === "1";
  if (info.storage === "nats") {
    return handleEvents(deps.events ?? UNCONFIGURED_EVENT_STORE, req, res, path, format, isWatch);
  }
  if (info.storage !== "etcd") throw notFoundResource(info);
  if (subresource && !info.subresources.includes(subresource)) throw notFoundResource(info, subresource);

  switch (req.method) {
    case "GET":
      if (isWatch) return serveWatch(req, res, deps.reads, path, format);
      if (!name) return sendList(res, format, info, await deps.reads.list(info, listOptions(req, path)));
      return getOne(deps, res, format, path, name);
    case "POST":
      if (!name) return create(deps, req, res, format, path);
      if (subresource === "binding" && info.kind === "Pod") {
        await bindPod(
          deps.registry,
          info,
          path.namespace,
          name,
          parseBody(req) as Binding,
          writeOptions(req),
        );
        res
          .status(201)
          .json({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
        return;
      }
      throw methodNotSupported(info, "create");
    case "PUT":
      if (!name) throw methodNotSupported(info, "update");
      return update(deps, req, res, format, path, name);
    case "PATCH":
      if (!name) throw methodNotSupported(info, "patch");
      return patch(deps, req, res, format, path, name);
    case "DELETE":
      if (!name) return deleteCollection(deps, req, res, path);
      return deleteOne(deps, req, res, format, path, name);
    default:
      throw methodNotSupported(info, req.method.toLowerCase());
  }
}

function notFoundResource(info: ResourceInfo, subresource?: string): Error {
  return notFound(
    { group: info.group, resource: subresource ? `${info.resource}/${subresource}` : info.resource },
    "",
  );
}

function listOptions(req: Request, path: ResourcePath) {
  return {
    namespace: path.namespace,
    labelSelector: param(req, "labelSelector"),
    fieldSelector: param(req, "fieldSelector"),
    limit: intParam(req, "limit"),
    continue: param(req, "continue"),
    resourceVersion: param(req, "resourceVersion"),
  };
}

async function getOne(
  deps: ResourceDeps,
  res: Response,
  format: OutputFormat,
  path: ResourcePath,
  name: string,
): Promise<void> {
  const obj = await deps.reads.get(path.info, path.namespace, name);
  if (path.subresource === "scale") {
    res.json(toScale(obj));
    return;
  }
  sendObject(res, format, path.info, obj);
}

function parseBody(req: Request): unknown {
  const raw = req.body as Buffer | undefined;
  if (!raw || raw.length === 0) return undefined;
  if (req.is(KUBE_PROTOBUF)) return decodeKubeProtobuf(raw);
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

function requireBody(req: Request): unknown {
  const body = parseBody(req);
  if (body === undefined) throw badRequest("the request has no body");
  return body;
}

async function create(
  deps: ResourceDeps,
  req: Request,
  res: Response,
  format: OutputFormat,
  path: ResourcePath,
): Promise<void> {
  const options = writeOptions(req);
  const obj = deps.registry.checkBody(path.info, requireBody(req), options.fieldValidation);
  const created = await deps.registry.create(path.info, path.namespace, obj, options);
  sendObject(res, format, path.info, created, 201);
}

async function update(
  deps: ResourceDeps,
  req: Request,
  res: Response,
  format: OutputFormat,
  path: ResourcePath,
  name: string,
): Promise<void> {
  const { info, namespace, subresource } = path;
  const options = writeOptions(req);
  const body = requireBody(req);
  if (subresource === "scale") {
    res.json(await updateScale(deps.registry, info, namespace, name, body as Scale, options));
    return;
  }
  const obj = deps.registry.checkBody(info, body, options.fieldValidation);
  if (subresource === "finalize") {
    sendObject(res, format, info, await deps.registry.finalize(info, name, obj, options));
    return;
  }
  const updated = await deps.registry.update(info, namespace, name, obj, {
    ...options,
    subresource: subresource === "status" ? "status" : undefined,
  });
  sendObject(res, format, info, updated);
}

async function patch(
  deps: ResourceDeps,
  req: Request,
  res: Response,
  format: OutputFormat,
  path: ResourcePath,
  name: string,
): Promise<void> {
  const { info, namespace, subresource } = path;
  const patchType = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
  if (!isPatchType(patchType)) throw unsupportedMediaType(patchType, PATCH_TYPES);
  const result = await patchObject(deps.registry, deps.reads, {
    info,
    namespace,
    name,
    subresource,
    patchType,
    patch: requireBody(req),
    options: writeOptions(req),
  });
  if (subresource === "scale") res.json(result);
  else sendObject(res, format, info, result as KubeObject);
}

async function deleteOne(
  deps: ResourceDeps,
  req: Request,
  res: Response,
  format: OutputFormat,
  path: ResourcePath,
  name: string,
): Promise<void> {
  const { info, namespace } = path;
  const result = await deps.registry.delete(info, namespace, name, deleteOptions(req, parseBody(req)));
  if (!result.deleted || info.kind === "Pod") {
    sendObject(res, format, info, result.obj);
    return;
  }
  const meta = result.obj.metadata ?? {};
  res.json(successStatus({ name: meta.name, group: info.group, kind: info.resource, uid: meta.uid }));
}

async function deleteCollection(
  deps: ResourceDeps,
  req: Request,
  res: Response,
  path: ResourcePath,
): Promise<void> {
  const { info } = path;
  if (!info.verbs.includes("deletecollection")) throw methodNotSupported(info, "deletecollection");
  const options = deleteOptions(req, parseBody(req));
  const list = await deps.reads.list(info, {
    ...listOptions(req, path),
    limit: undefined,
    continue: undefined,
  });
  for (const obj of list.items) {
    try {
      await deps.registry.delete(info, obj.metadata?.namespace, obj.metadata?.name ?? "", options);
    } catch (err) {
      // Gone meanwhile is what we wanted anyway.
      if (!isNotFound(err)) throw err;
    }
  }
  res.json({
    kind: `${info.kind}List`,
    apiVersion: info.group ? `${info.group}/${info.version}` : info.version,
    metadata: {},
    items: [],
  });
}
