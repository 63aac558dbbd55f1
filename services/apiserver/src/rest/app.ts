import express, { type NextFunction, type Request, type Response } from "express";
import { badRequest, requestEntityTooLarge } from "@ktl/apimachinery";
import type { Logger } from "@ktl/service";
import type { ApiserverMetrics } from "../metrics.js";
import type { Reads } from "../registry/reads.js";
import type { Registry } from "../registry/registry.js";
import type { Cacher } from "../storage/cacher.js";
import type { EventStore } from "../events/store.js";
import type { Bus } from "@ktl/nats";
import { discoveryRoutes } from "./discovery-routes.js";
import { parseResourcePath } from "./paths.js";
import { servePodLog } from "./pod-log.js";
import { resourceHandler } from "./resources.js";
import { sendError } from "./status.js";

export interface AppDeps {
  readonly registry: Registry;
  readonly reads: Reads;
  readonly cacher: Cacher;
  readonly metrics: ApiserverMetrics;
  readonly log: Logger;
  /** host:port clients should use, for discovery's serverAddressByClientCIDRs. */
  readonly advertiseAddress: () => string;
  /** Where Events live (NATS); absent: the events API answers 503. */
  readonly events?: EventStore;
  /** The NATS bus, to reach kubelets for pods/log and pods/exec; absent: HTTP to the kubelet. */
  readonly bus?: Bus;
}

/** Bodies up to this size are read; objects over 1.5 MiB are refused later, after encoding. */
const MAX_BODY = "3mb";

/** The REST/JSON front door, in Kubernetes' paths and wire format. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", "extended");
  app.use(requestMetrics(deps.metrics));
  app.use(express.raw({ type: () => true, limit: MAX_BODY }));

  app.get("/healthz", (_req, res) => res.type("text/plain").send("ok"));
  app.get("/livez", (_req, res) => res.type("text/plain").send("ok"));
  app.get("/readyz", (_req, res) => {
    if (!deps.cacher.ready) {
      res.status(503).type("text/plain").send("not ready: the watch cache has not loaded from etcd yet");
      return;
    }
    deps.registry.store.currentRevision().then(
      () => res.type("text/plain").send("ok"),
      (err: unknown) =>
        res
          .status(503)
          .type("text/plain")
          .send(`not ready: ${(err as Error).message}`),
    );
  });
  app.get("/metrics", (_req, res, next) => {
    deps.metrics.registry
      .metrics()
      .then((text) => res.type(deps.metrics.registry.contentType).send(text))
      .catch(next);
  });
  app.use(discoveryRoutes(deps.advertiseAddress));
  // pods/log and pods/exec reach the pod's kubelet (over NATS when there is a bus), ahead of the generic handler.
  app.get("/api/v1/namespaces/:namespace/pods/:name/log", (req, res) => {
    const target = { namespace: req.params.namespace, name: req.params.name ?? "" };
    servePodLog(deps.reads, req, res, target, deps.bus).catch((err: unknown) =>
      sendError(res, err, deps.log),
    );
  });
  // Exec itself is a WebSocket upgrade (server.ts hands those to pod-exec.ts).
  app.all("/api/v1/namespaces/:namespace/pods/:name/exec", (_req, res) =>
    sendError(res, badRequest("Upgrade request required"), deps.log),
  );
  app.use(resourceHandler(deps));
  app.use((req: Request, res: Response) => {
    res.status(404).json({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "the server could not find the requested resource",
      reason: "NotFound",
      details: {},
      code: 404,
    });
    void req;
  });
  // Body parser failures (too large, bad encoding) and anything unexpected.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const type = (err as { type?: string }).type;
    if (type === "entity.too.large") {
      sendError(
        res,
        requestEntityTooLarge("the request body is too large: objects are limited to 1.5 MiB"),
        deps.log,
      );
    } else if (typeof type === "string") {
      sendError(res, badRequest(`the request body could not be read: ${(err as Error).message}`), deps.log);
    } else {
      sendError(res, err, deps.log);
    }
  });
  return app;
}

function requestMetrics(metrics: ApiserverMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    res.on("finish", () => {
      const path = parseResourcePath(req.path);
      const resource = path ? path.info.resource + (path.subresource ? `/${path.subresource}` : "") : "";
      const isWatch = req.query.watch === "true" || req.query.watch === "1" || path?.watchPath === true;
      const verb = isWatch ? "WATCH" : req.method;
      metrics.requests.inc({ verb, resource, code: String(res.statusCode) });
      if (!isWatch) {
        metrics.duration.observe({ verb, resource }, Number(process.hrtime.bigint() - start) / 1e9);
      }
    });
    next();
  };
}
