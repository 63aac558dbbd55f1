import type { Request } from "express";
import { badRequest } from "@ktl/apimachinery";
import type { DeleteOptions, WriteOptions } from "../registry/registry.js";

/** A single query parameter as a string (repeated parameters: the first). */
export function param(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (Array.isArray(value)) return typeof value[0] === "string" ? value[0] : undefined;
  return typeof value === "string" ? value : undefined;
}

export function intParam(req: Request, name: string): number | undefined {
  const text = param(req, name);
  if (text === undefined || text === "") return undefined;
  const n = Number(text);
  if (!Number.isInteger(n)) throw badRequest(`invalid value for ${name}: ${text}`);
  return n;
}

export function boolParam(req: Request, name: string): boolean {
  const text = param(req, name);
  return text === "true" || text === "1";
}

export function writeOptions(req: Request): WriteOptions {
  const dryRun = param(req, "dryRun");
  if (dryRun !== undefined && dryRun !== "All") throw badRequest(`unsupported dry run option: ${dryRun}`);
  const fieldValidation = param(req, "fieldValidation");
  if (fieldValidation !== undefined && !["Strict", "Warn", "Ignore"].includes(fieldValidation)) {
    throw badRequest(`fieldValidation must be one of "Ignore", "Warn" or "Strict", got ${fieldValidation}`);
  }
  return {
    dryRun: dryRun === "All",
    fieldValidation: fieldValidation as WriteOptions["fieldValidation"],
  };
}

/** Delete options come from the body (kubectl) and from query parameters (curl). */
export function deleteOptions(req: Request, body: unknown): DeleteOptions {
  const fromBody = (body && typeof body === "object" ? body : {}) as DeleteOptions & { dryRun?: unknown };
  const policy = param(req, "propagationPolicy") ?? fromBody.propagationPolicy;
  if (policy !== undefined && !["Orphan", "Background", "Foreground"].includes(policy)) {
    throw badRequest(
      `propagationPolicy must be one of "Orphan", "Background" or "Foreground", got ${policy}`,
    );
  }
  const orphan = param(req, "orphanDependents");
  return {
    gracePeriodSeconds: intParam(req, "gracePeriodSeconds") ?? fromBody.gracePeriodSeconds,
    preconditions: fromBody.preconditions,
    propagationPolicy: policy as DeleteOptions["propagationPolicy"],
    orphanDependents: orphan !== undefined ? orphan === "true" : fromBody.orphanDependents,
    dryRun:
      param(req, "dryRun") === "All" || (Array.isArray(fromBody.dryRun) && fromBody.dryRun.includes("All")),
  };
}
