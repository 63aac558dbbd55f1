import type { Response } from "express";
import { toStatusError, type Status } from "@ktl/apimachinery";
import type { Logger } from "@ktl/service";

/**
 * The single place where errors become responses: every failure is a
 * Kubernetes Status object with the HTTP code it names.
 */
export function sendError(res: Response, err: unknown, log: Logger): void {
  const status = toStatusError(err).status;
  if (status.code >= 500) log.error("request failed", { code: status.code, message: status.message });
  if (res.headersSent) {
    res.end();
    return;
  }
  sendStatus(res, status);
}

export function sendStatus(res: Response, status: Status): void {
  res.status(status.code).type("application/json").send(JSON.stringify(status));
}

/** What Kubernetes answers for a delete that removed the object at once. */
export function successStatus(details: {
  name?: string;
  group?: string;
  kind: string;
  uid?: string;
}): Status {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details, code: 200 };
}
