import { Router, type Request, type Response } from "express";
import { RESOURCES } from "@ktl/api";
import {
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  negotiateDiscovery,
  OPENAPI_V2_PROTOBUF_CONTENT_TYPE,
  openApiV2,
  openApiV2Protobuf,
  wantsOpenApiV2Protobuf,
  openApiV3GroupVersion,
  openApiV3Root,
  versionInfo,
} from "./discovery/index.js";

const GROUPS = [...new Set(RESOURCES.map((r) => r.group).filter((g) => g !== ""))];

function sendJson(res: Response, body: unknown, contentType = "application/json"): void {
  res.status(200).setHeader("Content-Type", contentType);
  res.send(JSON.stringify(body));
}

/** Discovery, version and OpenAPI documents, built once from the resource table. */
export function discoveryRoutes(advertiseAddress: () => string): Router {
  const router = Router();
  const serveRoot = (kind: "core" | "apis", legacy: () => unknown) => (req: Request, res: Response) => {
    const choice = negotiateDiscovery(req.headers.accept ?? "");
    if (choice.format === "aggregated")
      sendJson(res, aggregatedDiscovery(kind, choice.version), choice.contentType);
    else sendJson(res, legacy());
  };
  router.get(
    "/api",
    serveRoot("core", () => apiVersions(advertiseAddress())),
  );
  router.get(
    "/apis",
    serveRoot("apis", () => apiGroupList()),
  );
  router.get("/api/v1", (_req, res) => sendJson(res, apiResourceList("", "v1")));
  for (const group of GROUPS) {
    router.get(`/apis/${group}`, (_req, res) => sendJson(res, apiGroup(group)));
    router.get(`/apis/${group}/v1`, (_req, res) => sendJson(res, apiResourceList(group, "v1")));
  }
  router.get("/version", (_req, res) => sendJson(res, versionInfo()));
  // kubectl 1.27/1.28 only understand the protobuf form of the v2 document.
  router.get("/openapi/v2", (req, res) => {
    if (wantsOpenApiV2Protobuf(req.headers.accept ?? "")) {
      res.status(200).type(OPENAPI_V2_PROTOBUF_CONTENT_TYPE).send(Buffer.from(openApiV2Protobuf()));
    } else {
      sendJson(res, openApiV2());
    }
  });
  router.get("/openapi/v3", (_req, res) => sendJson(res, openApiV3Root()));
  router.get("/openapi/v3/api/v1", (_req, res) => sendJson(res, openApiV3GroupVersion("", "v1")));
  for (const group of GROUPS) {
    router.get(`/openapi/v3/apis/${group}/v1`, (_req, res) =>
      sendJson(res, openApiV3GroupVersion(group, "v1")),
    );
  }
  return router;
}
