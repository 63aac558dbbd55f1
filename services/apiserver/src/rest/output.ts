import type { Request, Response } from "express";
import { apiVersionOf, type ResourceInfo } from "@ktl/api";
import { notAcceptable } from "@ktl/apimachinery";
import type { KubeObject } from "../storage/object.js";
import type { ListResult } from "../registry/reads.js";
import { toTable } from "./table/index.js";
import { param } from "./query.js";

export type IncludeObject = "None" | "Metadata" | "Object";

/** What the client asked for in Accept: plain JSON, or a meta.k8s.io Table. */
export interface OutputFormat {
  readonly table: boolean;
  readonly includeObject: IncludeObject;
}

/**
 * Reads Accept as Kubernetes does: the first acceptable entry wins; a Table is
 * served for `application/json;as=Table;g=meta.k8s.io;v=v1` (or v1beta1).
 */
export function outputFormat(req: Request): OutputFormat {
  const accept = req.headers.accept ?? "application/json";
  const include = (param(req, "includeObject") ?? "Metadata") as IncludeObject;
  for (const entry of accept.split(",")) {
    const [mediaType = "", ...rawParams] = entry.split(";").map((s) => s.trim());
    const params = Object.fromEntries(
      rawParams.map((p) => p.split("=").map((s) => s.trim()) as [string, string]),
    );
    if (!["application/json", "application/*", "*/*"].includes(mediaType)) continue;
    if (params.as === undefined) return { table: false, includeObject: include };
    if (
      params.as === "Table" &&
      params.g === "meta.k8s.io" &&
      (params.v === "v1" || params.v === "v1beta1")
    ) {
      return { table: true, includeObject: include };
    }
  }
  if (/application\/(yaml|vnd\.kubernetes\.protobuf)/.test(accept) && !accept.includes("json")) {
    throw notAcceptable(`only the following media types are accepted: application/json`);
  }
  return { table: false, includeObject: include };
}

export function sendObject(
  res: Response,
  format: OutputFormat,
  info: ResourceInfo,
  obj: KubeObject,
  code = 200,
): void {
  const body = format.table
    ? toTable(info.kind, [obj], {
        includeObject: format.includeObject,
        listMeta: { resourceVersion: obj.metadata?.resourceVersion },
      })
    : obj;
  res.status(code).type("application/json").send(JSON.stringify(body));
}

/**
 * Streams a list item by item, so memory per request stays bounded however
 * large the list (the items are shared cache objects; only their JSON text is
 * produced, one at a time, with back-pressure).
 */
export async function sendList(
  res: Response,
  format: OutputFormat,
  info: ResourceInfo,
  list: ListResult,
): Promise<void> {
  const metadata = {
    resourceVersion: list.resourceVersion,
    ...(list.continue ? { continue: list.continue } : {}),
  };
  res.status(200).type("application/json");
  if (format.table) {
    res.send(
      JSON.stringify(
        toTable(info.kind, list.items, { includeObject: format.includeObject, listMeta: metadata }),
      ),
    );
    return;
  }
  const head = { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata };
  const open = JSON.stringify(head).slice(0, -1) + ',"items":[';
  let chunk = open;
  for (let i = 0; i < list.items.length; i++) {
    chunk += (i > 0 ? "," : "") + JSON.stringify(list.items[i]);
    if (chunk.length > 64 * 1024) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
      chunk = "";
    }
  }
  res.end(chunk + "]}");
}
