import { badRequest, forbiddenField, invalid, invalidValue, type FieldError } from "@ktl/apimachinery";

/**
 * Kubernetes' PodLogOptions, read from the query of `GET pods/{name}/log` (and
 * of the kubelet's `/containerLogs/...`, which gets the same query forwarded).
 */
export interface PodLogOptions {
  readonly container?: string;
  readonly follow: boolean;
  readonly previous: boolean;
  readonly timestamps: boolean;
  readonly tailLines?: number;
  readonly limitBytes?: number;
  readonly sinceSeconds?: number;
  /** RFC 3339 time as given. */
  readonly sinceTime?: string;
}

/** Parses and validates PodLogOptions as the apiserver does (400 for unreadable values, 422 for invalid ones). */
export function parsePodLogOptions(query: URLSearchParams): PodLogOptions {
  const errs: FieldError[] = [];
  const options: PodLogOptions = {
    container: query.get("container") ?? undefined,
    follow: flag(query, "follow"),
    previous: flag(query, "previous"),
    timestamps: flag(query, "timestamps"),
    tailLines: integer(query, "tailLines"),
    limitBytes: integer(query, "limitBytes"),
    sinceSeconds: integer(query, "sinceSeconds"),
    sinceTime: query.get("sinceTime") ?? undefined,
  };
  if (options.tailLines !== undefined && options.tailLines < 0) {
    errs.push(invalidValue("tailLines", options.tailLines, "must be greater than or equal to 0"));
  }
  if (options.limitBytes !== undefined && options.limitBytes < 1) {
    errs.push(invalidValue("limitBytes", options.limitBytes, "must be greater than 0"));
  }
  if (options.sinceSeconds !== undefined && options.sinceSeconds < 1) {
    errs.push(invalidValue("sinceSeconds", options.sinceSeconds, "must be greater than 0"));
  }
  if (options.sinceSeconds !== undefined && options.sinceTime !== undefined) {
    errs.push(forbiddenField("", "at most one of `sinceTime` or `sinceSeconds` may be specified"));
  }
  if (options.sinceTime !== undefined && Number.isNaN(Date.parse(options.sinceTime))) {
    throw badRequest(`sinceTime: invalid RFC 3339 time ${JSON.stringify(options.sinceTime)}`);
  }
  if (errs.length > 0) throw invalid({ group: "", kind: "PodLogOptions" }, "", errs);
  return options;
}

/** The earliest log time the options ask for, in ms since the epoch. */
export function logSinceTime(options: PodLogOptions, now = Date.now()): number | undefined {
  if (options.sinceSeconds !== undefined) return now - options.sinceSeconds * 1000;
  if (options.sinceTime !== undefined) return Date.parse(options.sinceTime);
  return undefined;
}

function flag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null || value === "" || value === "false" || value === "0") return false;
  if (value === "true" || value === "1") return true;
  throw badRequest(`${name}: invalid boolean value ${JSON.stringify(value)}`);
}

function integer(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === "") return undefined;
  if (!/^-?\d+$/.test(value)) throw badRequest(`${name}: invalid integer value ${JSON.stringify(value)}`);
  return Number(value);
}
